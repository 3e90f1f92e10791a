import { fillSeeder } from './seeder-scale.ts'
import { cleanupAll, cpuSeconds, memoryBytes, metric, originMetrics, poll, seederMetrics, sleep, startOrigin } from './processes.ts'
const items = Number(process.argv[2] ?? 600)
try {
  const origin = await startOrigin('postgres', { FEDSWARM_MAX_ACTIVE_TORRENTS: '5' })
  const { seeder } = await fillSeeder(origin, 'postgres', { items, itemSize: 16 * 1024, maxActive: 50, publishConcurrency: 4, webSeedAfter: '1s', fillTimeoutSeconds: 600, label: 'zz' })
  const held = metric(await seederMetrics(seeder.url), 'fedswarm_seeder_items_stored')
  const t = performance.now()
  await poll('verified', 600_000, 1000, async () => metric(await originMetrics(origin.url), 'fedswarm_mirrors_verified') >= held ? true : undefined)
  console.log('verified after', Math.round((performance.now() - t) / 1000), 's')
  await sleep(10_000)
  for (let i = 0; i < 3; i++) {
    const c0 = await cpuSeconds(seeder.pid); const o0 = await cpuSeconds(origin.pid)
    await sleep(10_000)
    console.log('idle CPU seeder', ((await cpuSeconds(seeder.pid) - c0) * 10).toFixed(2), '% origin', ((await cpuSeconds(origin.pid) - o0) * 10).toFixed(2), '%  rss', ((await memoryBytes(seeder.pid)).rss / 1048576).toFixed(0))
  }
  console.log('PID', seeder.pid)
  await sleep(Number(process.env.HOLD ?? 0))
} finally { await cleanupAll() }
