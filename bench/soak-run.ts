// The soak: one real origin process under a steady mix of tracker announces
// (HTTP and WebSocket) and ranged media GETs for a long time, its resident
// memory sampled every second. A leak shows as RSS that keeps climbing after
// the warm-up (swarms filled, caches and pools at their size); a fault shows
// as any error. Everything it starts is undone at the end, also on failure.

import { availableParallelism, cpus, loadavg } from 'node:os'
import { pngBytes } from '@fedswarm/testkit'
import { manifestSchema } from '@fedswarm/protocol'
import { ADMIN_TOKEN, KiB, MiB, cleanupAll, log, metric, openFiles, originMetrics, round, rssBytes, startOrigin, type DbChoice } from './processes.ts'
import { startLoad, type KindTally } from './soak-load.ts'
import { slopePerMinute, summarizeKind, type KindSummary } from './soak-stats.ts'
import { busiestItemRate, httpAnnounces, rangedGets, wsAnnounces, type SoakItem } from './soak-traffic.ts'

export interface SoakOptions {
  seconds: number
  /** RSS is compared from here on: swarms filled, pools and caches at their working size. */
  warmupSeconds: number
  /** Requests per second started, per kind. */
  announceRate: number
  wsRate: number
  mediaRate: number
  items: Array<{ size: number, hot: boolean }>
  rangeLength: number
  /** Distinct peers per item; raised so that no peer announces more often than every 3 s (the per-peer budget is one per 2 s). */
  peersPerItem: number
  db: DbChoice
  /** RSS slope over the second half under which memory counts as flat. */
  flatMbPerMinute: number
  /** A line every 10 s while the load runs. */
  progress?: boolean
}

export const SOAK_DEFAULTS: Omit<SoakOptions, 'seconds' | 'warmupSeconds'> = {
  announceRate: 200,
  wsRate: 20,
  mediaRate: 100,
  items: [{ size: 4 * MiB, hot: true }, { size: MiB, hot: true }, { size: 2 * MiB, hot: false }, { size: 256 * KiB, hot: false }],
  rangeLength: 16 * KiB,
  peersPerItem: 1000,
  db: 'pglite',
  flatMbPerMinute: 2
}

export interface Sample { t: number, mb: number }

export interface SoakResult {
  config: Omit<SoakOptions, 'progress'>
  machine: { nproc: number, cpu: string, node: string, date: string, loadAverageAtStart: number[], loadAverageAtEnd: number[] }
  /** Seconds the load actually ran. */
  durationSeconds: number
  kinds: Record<string, KindSummary>
  totals: { sent: number, ok: number, errors: number, skipped: number, retries: number, errorRate: number }
  rss: { startMb: number, afterWarmupMb: number, endMb: number, peakMb: number, slopeMbPerMinute: number, samples: Sample[] }
  heapUsed: { afterWarmupMb: number, endMb: number, slopeMbPerMinute: number, samples: Sample[] }
  /** Open descriptors of the origin: before the load, after it ended. */
  openFiles: { start: { total: number, sockets: number }, end: { total: number, sockets: number } }
  tracker: { swarms: number, peers: number, rateLimited: number }
  verdict: { flat: boolean, zeroErrors: boolean, pass: boolean }
}

const mb = (bytes: number): number => round(bytes / MiB, 1)

async function publish (originUrl: string, bytes: Buffer<ArrayBuffer>, hot: boolean): Promise<SoakItem> {
  const response = await fetch(`${originUrl}/api/media${hot ? '?hot=1' : ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'image/png' },
    body: bytes
  })
  if (response.status !== 201) throw new Error(`publish answered ${response.status}: ${await response.text()}`)
  const manifest = manifestSchema.parse(await response.json())
  return { infoHash: manifest.infoHash, url: manifest.url, bytes, hot }
}

async function trackerStats (originUrl: string): Promise<{ swarms: number, peers: number, refused: { rateLimited: number } }> {
  const response = await fetch(`${originUrl}/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(10_000) })
  return await response.json() as { swarms: number, peers: number, refused: { rateLimited: number } }
}

const heapMb = async (originUrl: string): Promise<number> => mb(metric(await originMetrics(originUrl), 'nodejs_heap_size_used_bytes'))

export async function runSoak (options: SoakOptions): Promise<SoakResult> {
  const { progress, ...config } = options
  const loadAverageAtStart = loadavg().map((l) => round(l, 2))
  try {
    // Per-address budgets raised (every request comes from 127.0.0.1); hotness fixed by the plan, not by the load.
    const origin = await startOrigin(config.db, { FEDSWARM_HOT_THRESHOLD: '1000000000' })
    const items: SoakItem[] = []
    for (const item of config.items) items.push(await publish(origin.url, pngBytes(item.size), item.hot))
    config.peersPerItem = Math.max(config.peersPerItem, Math.ceil(3 * busiestItemRate(items, config.announceRate)))

    const kinds = [
      httpAnnounces(origin.url, items, config.announceRate, config.peersPerItem),
      wsAnnounces(origin.url, items, config.wsRate),
      rangedGets(items, config.mediaRate, config.rangeLength)
    ]
    const filesAtStart = await openFiles(origin.pid)
    const rssStart = mb(await rssBytes(origin.pid))
    const rssSamples: Sample[] = [{ t: 0, mb: rssStart }]
    const heapSamples: Sample[] = [{ t: 0, mb: await heapMb(origin.url) }]
    if (progress === true) log(`soak: origin pid ${origin.pid}, ${items.length} items (${items.filter((i) => i.hot).length} hot), ${config.peersPerItem} peers per item; ${config.announceRate} announces/s, ${config.wsRate} WebSocket announces/s, ${config.mediaRate} ranged GETs/s for ${config.seconds} s; RSS ${rssStart} MB`)

    const started = performance.now()
    const elapsed = (): number => (performance.now() - started) / 1000
    const load = startLoad(kinds)
    let sampling = Promise.resolve()
    let tick = 0
    const sampler = setInterval(() => {
      tick++
      sampling = sampling.then(async () => {
        const t = round(elapsed(), 1)
        rssSamples.push({ t, mb: mb(await rssBytes(origin.pid)) })
        if (tick % 10 !== 0) return
        heapSamples.push({ t, mb: await heapMb(origin.url) })
        if (progress === true) log(`soak: ${Math.round(t)} s, RSS ${rssSamples.at(-1)!.mb} MB, heap ${heapSamples.at(-1)!.mb} MB, ${progressLine(load.tallies)}`)
      }).catch((err: unknown) => log(`soak: sampling failed: ${(err as Error).message}`))
    }, 1000)
    await new Promise((resolve) => setTimeout(resolve, config.seconds * 1000))
    const durationSeconds = round(elapsed(), 1)
    await load.stop()
    clearInterval(sampler)
    await sampling
    for (const kind of kinds) kind.close()

    rssSamples.push({ t: durationSeconds, mb: mb(await rssBytes(origin.pid)) })
    heapSamples.push({ t: durationSeconds, mb: await heapMb(origin.url) })
    const filesAtEnd = await openFiles(origin.pid)
    const stats = await trackerStats(origin.url)

    const summaries = Object.fromEntries(kinds.map((kind) => [kind.name, summarizeKind(load.tallies[kind.name]!, durationSeconds, kind.retries())]))
    const tallies = Object.values(load.tallies)
    const sent = tallies.reduce((sum, t) => sum + t.sent, 0)
    const errors = tallies.reduce((sum, t) => sum + Object.values(t.errors).reduce((a, b) => a + b, 0), 0)
    const secondHalf = (samples: Sample[]): Sample[] => samples.filter((s) => s.t >= durationSeconds / 2)
    const atWarmup = (samples: Sample[]): number => (samples.find((s) => s.t >= config.warmupSeconds) ?? samples.at(-1)!).mb
    const rssSlope = round(slopePerMinute(secondHalf(rssSamples)), 2)
    const flat = rssSlope < config.flatMbPerMinute
    return {
      config,
      machine: { nproc: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, date: new Date().toISOString(), loadAverageAtStart, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
      durationSeconds,
      kinds: summaries,
      totals: { sent, ok: tallies.reduce((sum, t) => sum + t.ok, 0), errors, skipped: tallies.reduce((sum, t) => sum + t.skipped, 0), retries: kinds.reduce((sum, k) => sum + k.retries(), 0), errorRate: sent === 0 ? 0 : errors / sent },
      rss: { startMb: rssStart, afterWarmupMb: atWarmup(rssSamples), endMb: rssSamples.at(-1)!.mb, peakMb: Math.max(...rssSamples.map((s) => s.mb)), slopeMbPerMinute: rssSlope, samples: rssSamples },
      heapUsed: { afterWarmupMb: atWarmup(heapSamples), endMb: heapSamples.at(-1)!.mb, slopeMbPerMinute: round(slopePerMinute(secondHalf(heapSamples)), 2), samples: heapSamples },
      openFiles: { start: { total: filesAtStart.total, sockets: filesAtStart.sockets }, end: { total: filesAtEnd.total, sockets: filesAtEnd.sockets } },
      tracker: { swarms: stats.swarms, peers: stats.peers, rateLimited: stats.refused.rateLimited },
      verdict: { flat, zeroErrors: errors === 0, pass: flat && errors === 0 }
    }
  } finally {
    await cleanupAll()
  }
}

function progressLine (tallies: Record<string, KindTally>): string {
  return Object.entries(tallies).map(([name, t]) => `${name} ${t.ok} ok/${Object.values(t.errors).reduce((a, b) => a + b, 0)} err/${t.skipped} skipped`).join(', ')
}
