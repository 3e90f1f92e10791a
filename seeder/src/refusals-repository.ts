import type { Db, Queryable } from '@fedswarm/storage'
import type { RefusalHash } from './refusal-hash.ts'

/** One refusal as stored: a hash refused by one source. */
export interface Refusal extends RefusalHash {
  reason: string
  /** `admin` (the admin API) or the path of the refuse list file it came from. */
  source: string
  createdAt: Date
}

interface RefusalRow {
  hash: string
  kind: 'info_hash' | 'sha256'
  reason: string
  source: string
  created_at: Date
}

const fromRow = (row: RefusalRow): Refusal => ({ hash: row.hash, kind: row.kind, reason: row.reason, source: row.source, createdAt: row.created_at })

/** The SQL of the seeder's refusals, in one place. */
export const refusalsRepository = {
  async all (db: Queryable): Promise<Refusal[]> {
    return (await db.query<RefusalRow>('SELECT hash, kind, reason, source, created_at FROM seeder_refusals ORDER BY created_at, hash')).map(fromRow)
  },

  /** Adds a refusal, or updates the reason of the same source's refusal of that hash. */
  async save (db: Queryable, refusal: Omit<Refusal, 'createdAt'>): Promise<Refusal> {
    const [row] = await db.query<RefusalRow>(
      `INSERT INTO seeder_refusals (hash, kind, reason, source) VALUES ($1, $2, $3, $4)
       ON CONFLICT (hash, source) DO UPDATE SET reason = excluded.reason
       RETURNING hash, kind, reason, source, created_at`,
      [refusal.hash, refusal.kind, refusal.reason, refusal.source])
    return fromRow(row!)
  },

  async remove (db: Queryable, hash: string, source: string): Promise<boolean> {
    return (await db.query('DELETE FROM seeder_refusals WHERE hash = $1 AND source = $2 RETURNING hash', [hash, source])).length === 1
  },

  /** Lifts the given hashes of `source` and saves `saved`, in one transaction; the saved rows as stored. */
  async replace (db: Db, source: string, lifted: string[], saved: Array<Omit<Refusal, 'createdAt'>>): Promise<Refusal[]> {
    return db.transaction(async (tx) => {
      for (const hash of lifted) await tx.query('DELETE FROM seeder_refusals WHERE hash = $1 AND source = $2', [hash, source])
      const rows: Refusal[] = []
      for (const refusal of saved) rows.push(await refusalsRepository.save(tx, refusal))
      return rows
    })
  },

  /** Forgets the entries of list files other than `keep` (none when undefined): lists no longer configured. */
  async removeOtherLists (db: Queryable, adminSource: string, keep: string | undefined): Promise<number> {
    const rows = await db.query('DELETE FROM seeder_refusals WHERE source <> $1 AND source <> $2 RETURNING hash', [adminSource, keep ?? adminSource])
    return rows.length
  }
}
