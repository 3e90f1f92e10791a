import type { Logger } from 'pino'
import type { Db } from '@fedswarm/storage'
import { TRAFFIC_SERIES, trafficRepository, type TrafficCounts, type TrafficSeriesName } from './traffic-repository.ts'

/** How long minutes are kept: the console's longest range. */
export const TRAFFIC_KEEP_MS = 7 * 24 * 3600_000
const PRUNE_EVERY_MS = 3600_000

export interface TrafficRecorderOptions {
  db: Db
  log: Logger
  /** How often what was counted goes to the database (10 s): the console is this far behind at most. */
  flushIntervalMs?: number
  /** Counters owned elsewhere that start at zero with the process and only grow (the origin's own peer's uploads): their growth is added at each flush. */
  cumulative?: Partial<Record<TrafficSeriesName, () => number>>
  clock?: () => number
}

/** The origin's traffic, counted in memory and added to its minute in the database, so the series survive restarts. */
export interface TrafficRecorder {
  count (series: TrafficSeriesName, n: number): void
  /** Writes what was counted since the last flush (also run by stop). */
  flush (): Promise<void>
  stop (): Promise<void>
}

const zero = (): TrafficCounts => ({ originHttp: 0, originPeer: 0, swarm: 0, mirrors: 0, requests: 0, redirects: 0 })

export function startTrafficRecorder (options: TrafficRecorderOptions): TrafficRecorder {
  const { db, log } = options
  const clock = options.clock ?? Date.now
  const cumulative = Object.entries(options.cumulative ?? {}) as Array<[TrafficSeriesName, () => number]>
  const seen = new Map(cumulative.map(([name]) => [name, 0]))
  let pending = zero()
  let prunedAt = 0
  let flushing: Promise<void> = Promise.resolve()
  let stopped = false

  const write = async (): Promise<void> => {
    for (const [name, read] of cumulative) {
      const now = read()
      pending[name] += Math.max(now - seen.get(name)!, 0)
      seen.set(name, now)
    }
    const counts = pending
    pending = zero()
    if (TRAFFIC_SERIES.some((name) => counts[name] > 0)) {
      try {
        await trafficRepository.add(db, new Date(clock()), counts)
      } catch (err) {
        // Kept for the next flush: a database away for a while loses no count, only its minute.
        for (const name of TRAFFIC_SERIES) pending[name] += counts[name]
        throw err
      }
    }
    if (clock() - prunedAt >= PRUNE_EVERY_MS) {
      await trafficRepository.prune(db, new Date(clock() - TRAFFIC_KEEP_MS))
      prunedAt = clock()
    }
  }
  const flush = (): Promise<void> => {
    // One write at a time; a failed one does not keep the next from running.
    flushing = flushing.catch(() => {}).then(write)
    return flushing
  }
  const timer = setInterval(() => {
    flush().catch((err: unknown) => log.warn({ err }, 'could not record the traffic counters; retried at the next flush'))
  }, options.flushIntervalMs ?? 10_000)
  timer.unref()

  return {
    count (series, n) { pending[series] += n },
    flush,
    async stop () {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      await flush().catch((err: unknown) => log.warn({ err }, 'could not record the last traffic counters'))
    }
  }
}
