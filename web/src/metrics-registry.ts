import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'

/**
 * prom-client samples the event loop's delay every 10 ms unless told otherwise: 100 wake-ups a second of a
 * server with nothing to do, most of an idle role's CPU (measured with `npm run bench -- --only footprint`).
 * A sample a second still shows the stalls worth an alert.
 */
const EVENT_LOOP_SAMPLE_MS = 1000

export interface MetricsRegistry {
  registry: Registry
  /** Registers a gauge whose value is read at scrape time; one that cannot be read (a store out of reach) reads NaN. */
  gauge (name: string, help: string, read: () => number | Promise<number>): void
}

/** One registry per role instance (tests run several in one process), with Node's default metrics. */
export function createMetricsRegistry (): MetricsRegistry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS })
  return {
    registry,
    gauge (name, help, read) {
      void new Gauge({
        name,
        help,
        registers: [registry],
        async collect () { this.set(await Promise.resolve().then(read).catch(() => Number.NaN)) }
      })
    }
  }
}
