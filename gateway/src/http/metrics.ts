import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'

export interface OriginMetrics {
  registry: Registry
  requests: Counter<'route' | 'status'>
  mediaBytesSent: Counter
  /** `GET /media/:id` answered with a 302 to a verified mirror. */
  redirects: Counter
  /** Checks of mirrors' bytes: first verifications and spot checks, passed or failed. */
  mirrorChecks: Counter<'kind' | 'result'>
  /** Registers a gauge whose value is read at scrape time; one that cannot be read (a store out of reach) reads NaN. */
  gauge (name: string, help: string, read: () => number | Promise<number>): void
}

/** One registry per origin, so that tests can run several origins in one process. */
export function createOriginMetrics (): OriginMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    requests: new Counter({ name: 'fedswarm_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    mediaBytesSent: new Counter({ name: 'fedswarm_media_http_bytes_sent_total', help: 'Media bytes sent over HTTP (origin egress besides the swarm)', registers: [registry] }),
    redirects: new Counter({ name: 'fedswarm_media_redirects_total', help: 'GETs of an item (/media/:id or a front key) answered with a 302 to a mirror', registers: [registry] }),
    mirrorChecks: new Counter({ name: 'fedswarm_mirror_checks_total', help: 'Checks of mirrors\' bytes against the piece hashes, by kind (verify, spot) and result (passed, failed)', labelNames: ['kind', 'result'], registers: [registry] }),
    gauge (name, help, read) {
      // A gauge read at scrape time suits values owned elsewhere (tracker, seeding).
      void new Gauge({
        name,
        help,
        registers: [registry],
        async collect () { this.set(await Promise.resolve().then(read).catch(() => Number.NaN)) }
      })
    }
  }
}
