import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'

export interface OriginMetrics {
  registry: Registry
  requests: Counter<'route' | 'status'>
  mediaBytesSent: Counter
  /** Registers a gauge whose value is read at scrape time. */
  gauge (name: string, help: string, read: () => number): void
}

/** One registry per origin, so that tests can run several origins in one process. */
export function createOriginMetrics (): OriginMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    requests: new Counter({ name: 'fedswarm_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    mediaBytesSent: new Counter({ name: 'fedswarm_media_http_bytes_sent_total', help: 'Media bytes sent over HTTP (origin egress besides the swarm)', registers: [registry] }),
    gauge (name, help, read) {
      // A gauge read at scrape time suits values owned elsewhere (tracker, seeding).
      void new Gauge({ name, help, registers: [registry], collect () { this.set(read()) } })
    }
  }
}
