import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'

export interface SeederMetrics {
  registry: Registry
  /** Bytes by direction and source: peers (BitTorrent), webseed (HTTP from the origin), mirror (HTTP served by this seeder). */
  bytes: Counter<'direction' | 'source'>
  gauge (name: string, help: string, read: () => number): void
}

export function createSeederMetrics (): SeederMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    bytes: new Counter({ name: 'fedswarm_seeder_bytes_total', help: 'Bytes moved, by direction (in, out) and source (peers, webseed, mirror)', labelNames: ['direction', 'source'], registers: [registry] }),
    gauge (name, help, read) {
      void new Gauge({ name, help, registers: [registry], collect () { this.set(read()) } })
    }
  }
}
