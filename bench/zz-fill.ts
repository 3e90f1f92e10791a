import { readFile } from 'node:fs/promises'
import { fillSeeder } from './seeder-scale.ts'
import { cleanupAll, memoryBytes, metric, seederMetrics, sleep, startOrigin } from './processes.ts'
const items = Number(process.argv[2] ?? 600)
try {
  const origin = await startOrigin('pglite', { FEDSWARM_MAX_ACTIVE_TORRENTS: '50' })
  const { seeder, fill } = await fillSeeder(origin, 'pglite', { items, itemSize: 16 * 1024, maxActive: 50, publishConcurrency: 4, webSeedAfter: '2s', fillTimeoutSeconds: 600, label: 'zz' } as never)
  await sleep(20_000)
  const m = await memoryBytes(seeder.pid)
  const metrics = await seederMetrics(seeder.url)
  console.log('held', fill, 'rss MiB', (m.rss / 1048576).toFixed(0), 'peak', (m.peak / 1048576).toFixed(0), 'heapUsed', (metric(metrics, 'nodejs_heap_size_used_bytes') / 1048576).toFixed(1), 'heapTotal', (metric(metrics, 'nodejs_heap_size_total_bytes') / 1048576).toFixed(1), 'external', (metric(metrics, 'nodejs_external_memory_bytes') / 1048576).toFixed(1))
  const smaps = await readFile(`/proc/${seeder.pid}/smaps_rollup`, 'utf8')
  console.log(smaps.split('\n').filter((l) => /^(Rss|Anonymous|Pss_File)/.test(l)).join(' | '))
  console.log('PID', seeder.pid); await sleep(Number(process.env.HOLD ?? 0))
} finally { await cleanupAll() }
