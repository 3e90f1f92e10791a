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
  export interface AutocannonInstance extends PromiseLike<AutocannonResult> {
    stop (): void
  }
  function autocannon (options: AutocannonOptions): AutocannonInstance
  export default autocannon
}
