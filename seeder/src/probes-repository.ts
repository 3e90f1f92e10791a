import type { Queryable } from '@fedswarm/storage'

/** What one domain of the discovery list answered when last probed. */
export interface Probe {
  /** Where it was probed: `https://host[:port]`. */
  target: string
  /** The origin it answered as; null when it is not one (or has never answered). */
  origin: string | null
  checkedAt: Date
  /** When it first answered as an origin: discovered origins are followed in this order. */
  foundAt: Date | null
  error: string | null
}

interface ProbeRow {
  target: string
  origin: string | null
  checked_at: Date
  found_at: Date | null
  error: string | null
}

/** The SQL of discovery's probe results, in one place. */
export const probesRepository = {
  async all (db: Queryable): Promise<Probe[]> {
    const rows = await db.query<ProbeRow>('SELECT target, origin, checked_at, found_at, error FROM seeder_probes')
    return rows.map((row) => ({ target: row.target, origin: row.origin, checkedAt: row.checked_at, foundAt: row.found_at, error: row.error }))
  },

  async save (db: Queryable, probe: Probe): Promise<void> {
    await db.query(
      `INSERT INTO seeder_probes (target, origin, checked_at, found_at, error) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (target) DO UPDATE SET origin = excluded.origin, checked_at = excluded.checked_at, found_at = excluded.found_at, error = excluded.error`,
      [probe.target, probe.origin, probe.checkedAt, probe.foundAt, probe.error])
  }
}
