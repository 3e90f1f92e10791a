import { Counter } from 'prom-client'
import { createMetricsRegistry, type MetricsRegistry } from '@fedswarm/web'

export interface OriginMetrics extends MetricsRegistry {
  requests: Counter<'route' | 'status'>
  mediaBytesSent: Counter
  /** `GET /media/:id` answered with a 302 to a verified mirror. */
  redirects: Counter
  /** GETs of an item that could have gone to a mirror, served here: `room` (the origin's upload had room) or `no_mirror`. */
  servedHere: Counter<'decision'>
  /** Checks of mirrors' bytes: first verifications and spot checks, passed or failed. */
  mirrorChecks: Counter<'kind' | 'result'>
}

/** One registry per origin, so that tests can run several origins in one process. */
export function createOriginMetrics (): OriginMetrics {
  const { registry, gauge } = createMetricsRegistry()
  return {
    registry,
    gauge,
    requests: new Counter({ name: 'fedswarm_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    mediaBytesSent: new Counter({ name: 'fedswarm_media_http_bytes_sent_total', help: 'Media bytes sent over HTTP (origin egress besides the swarm)', registers: [registry] }),
    redirects: new Counter({ name: 'fedswarm_media_redirects_total', help: 'GETs of an item (/media/:id or a front key) answered with a 302 to a mirror', registers: [registry] }),
    servedHere: new Counter({ name: 'fedswarm_media_served_here_total', help: 'GETs of an item that could have been redirected to a mirror, served by the origin: decision room (its upload had room, FEDSWARM_UPLOAD_CAPACITY) or no_mirror', labelNames: ['decision'], registers: [registry] }),
    mirrorChecks: new Counter({ name: 'fedswarm_mirror_checks_total', help: 'Checks of mirrors\' bytes against the piece hashes, by kind (verify, spot) and result (passed, failed)', labelNames: ['kind', 'result'], registers: [registry] })
  }
}
