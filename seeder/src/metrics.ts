import { Counter } from 'prom-client'
import { createMetricsRegistry, type MetricsRegistry } from '@fedswarm/web'

export interface SeederMetrics extends MetricsRegistry {
  /** Bytes by direction and source: peers (BitTorrent), webseed (HTTP from the origin), mirror (HTTP served by this seeder). */
  bytes: Counter<'direction' | 'source'>
}

export function createSeederMetrics (): SeederMetrics {
  const { registry, gauge } = createMetricsRegistry()
  return {
    registry,
    gauge,
    bytes: new Counter({ name: 'fedswarm_seeder_bytes_total', help: 'Bytes moved, by direction (in, out) and source (peers, webseed, mirror)', labelNames: ['direction', 'source'], registers: [registry] })
  }
}
