// autocannon@8 ships no types: what bench/ uses of it.
declare module 'autocannon' {
  export interface AutocannonRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    setupRequest? (request: AutocannonRequest, context: Record<string, unknown>): AutocannonRequest
  }
  export interface AutocannonOptions {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    amount?: number
    timeout?: number
    headers?: Record<string, string>
    requests?: AutocannonRequest[]
    /** Resolve with the run's raw counts and encoded histograms, to merge with others' through `aggregateResult`. */
    skipAggregateResult?: boolean
  }
  export interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    p50: number
    p90: number
    p99: number
    total: number
  }
  export interface AutocannonResult {
    requests: Histogram & { sent: number }
    latency: Histogram
    throughput: Histogram
    errors: number
    timeouts: number
    non2xx: number
    duration: number
    '2xx': number
    start: Date
    finish: Date
  }
  /** What a run with `skipAggregateResult` resolves with. */
  export interface AutocannonRawResult {
    /** The latency histogram, encoded. */
    latencies: string
    totalCompletedRequests: number
    /** One-second samples taken. */
    samples: number
    errors: number
    timeouts: number
    non2xx: number
    duration: number
  }
  export interface AutocannonInstance<R = AutocannonResult> extends PromiseLike<R> {
    stop (): void
  }
  interface Autocannon {
    (options: AutocannonOptions & { skipAggregateResult: true }): AutocannonInstance<AutocannonRawResult>
    (options: AutocannonOptions): AutocannonInstance
    /** Several raw runs as one result: latency histograms merged, counts summed. */
    aggregateResult (results: AutocannonRawResult[], options: { url: string, connections?: number }): AutocannonResult
  }
  const autocannon: Autocannon
  export default autocannon
}
