// autocannon against one tracker process or several at once, the load split
// between them, read as one result: announces per second summed over the
// runs, latency from their histograms merged (every announce of every run
// counts once), errors summed.

import autocannon from 'autocannon'

export interface LoadTarget {
  port: number
  connections: number
  /** Announces to send, then stop; absent: for the load's duration. */
  amount?: number
  /** The path of the next announce. */
  next: () => string
}

export interface LoadResult {
  /** Summed over the runs: each one's completed announces over its one-second samples, the average autocannon reports for one run. */
  announcesPerSecond: number
  /** The same for each target, in order. */
  perTarget: number[]
  /** Over every announce of every run (the runs' histograms merged), not the worse run's. */
  latencyMs: { p50: number, p99: number }
  requests: number
  non2xx: number
  /** Errors, timeouts among them. */
  errors: number
}

/** Runs one autocannon per target at the same time, in this process, and merges their results. */
export async function loadTogether (targets: LoadTarget[], duration?: number): Promise<LoadResult> {
  if (targets.length === 0) throw new Error('no tracker to load')
  const raws = await Promise.all(targets.map((target) => autocannon({
    url: `http://127.0.0.1:${target.port}`,
    connections: target.connections,
    // autocannon refuses keys present but undefined.
    ...(target.amount !== undefined ? { amount: target.amount } : { duration }),
    timeout: 10,
    requests: [{ setupRequest: (request) => ({ ...request, path: target.next() }) }],
    skipAggregateResult: true
  })))
  const merged = autocannon.aggregateResult(raws, { url: `http://127.0.0.1:${targets[0]!.port}`, connections: targets.reduce((sum, t) => sum + t.connections, 0) })
  const perTarget = raws.map((raw) => Math.round(raw.totalCompletedRequests / Math.max(1, raw.samples)))
  return {
    announcesPerSecond: perTarget.reduce((sum, rate) => sum + rate, 0),
    perTarget,
    latencyMs: { p50: merged.latency.p50, p99: merged.latency.p99 },
    requests: raws.reduce((sum, raw) => sum + raw.totalCompletedRequests, 0),
    non2xx: merged.non2xx,
    errors: merged.errors
  }
}
