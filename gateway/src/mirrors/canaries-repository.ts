import type { Db, Queryable } from '@fedswarm/storage'

/** A small item of random bytes made for one seeder alone, to verify its first copy (canaries.ts). */
export interface Canary {
  id: string
  infoHash: string
  /** The seeder it was made for. */
  domain: string
  sha256: string
  digestMultibase: string
  pieceLength: number
  torrent: Buffer
  bytes: Buffer
  createdAt: Date
  expiresAt: Date
}

interface CanaryRow {
  id: string
  info_hash: string
  domain: string
  sha256: string
  digest_multibase: string
  piece_length: number
  torrent: Uint8Array
  bytes: Uint8Array
  created_at: Date
  expires_at: Date
}

const COLUMNS = 'id, info_hash, domain, sha256, digest_multibase, piece_length, torrent, bytes, created_at, expires_at'

function fromRow (row: CanaryRow): Canary {
  return {
    id: row.id,
    infoHash: row.info_hash,
    domain: row.domain,
    sha256: row.sha256,
    digestMultibase: row.digest_multibase,
    pieceLength: row.piece_length,
    torrent: Buffer.from(row.torrent),
    bytes: Buffer.from(row.bytes),
    createdAt: row.created_at,
    expiresAt: row.expires_at
  }
}

/** Removes canaries and the holdings reported of them (holdings name info hashes, not rows), in one transaction. */
async function removeWhere (db: Db, where: string, params: unknown[]): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ info_hash: string }>(`DELETE FROM canaries WHERE ${where} RETURNING info_hash`, params)
    for (const { info_hash: infoHash } of rows) await tx.query('DELETE FROM holdings WHERE info_hash = $1', [infoHash])
    return rows.length
  })
}

/** The SQL of canaries, in one place. */
export const canariesRepository = {
  /** A new canary, live for `lifetimeMs` by the database's clock. */
  async insert (db: Queryable, canary: Omit<Canary, 'createdAt' | 'expiresAt'>, lifetimeMs: number): Promise<Canary> {
    const [row] = await db.query<CanaryRow>(
      `INSERT INTO canaries (id, info_hash, domain, sha256, digest_multibase, piece_length, torrent, bytes, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + $9::integer * interval '1 millisecond') RETURNING ${COLUMNS}`,
      [canary.id, canary.infoHash, canary.domain, canary.sha256, canary.digestMultibase, canary.pieceLength, canary.torrent, canary.bytes, lifetimeMs])
    return fromRow(row!)
  },

  async byId (db: Queryable, id: string): Promise<Canary | undefined> {
    const [row] = await db.query<CanaryRow>(`SELECT ${COLUMNS} FROM canaries WHERE id = $1 AND expires_at > now()`, [id])
    return row === undefined ? undefined : fromRow(row)
  },

  /** The seeder's newest canary, if it was made less than `ageMs` ago. */
  async newestWithin (db: Queryable, domain: string, ageMs: number): Promise<Canary | undefined> {
    const [row] = await db.query<CanaryRow>(
      `SELECT ${COLUMNS} FROM canaries WHERE domain = $1 AND created_at >= now() - $2::integer * interval '1 millisecond' AND expires_at > now()
       ORDER BY created_at DESC LIMIT 1`, [domain, ageMs])
    return row === undefined ? undefined : fromRow(row)
  },

  /** The seeder a live canary was made for; undefined when the info hash is no live canary. */
  async ownerOf (db: Queryable, infoHash: string): Promise<{ domain: string, id: string } | undefined> {
    const [row] = await db.query<{ domain: string, id: string }>('SELECT domain, id FROM canaries WHERE info_hash = $1 AND expires_at > now()', [infoHash])
    return row
  },

  /**
   * Every live canary as a holding of its seeder: complete once the seeder
   * reported it held, else as a fetch under way (issued, not yet reported).
   */
  async holdings (db: Queryable): Promise<Array<{ domain: string, infoHash: string, id: string, complete: boolean }>> {
    const rows = await db.query<{ domain: string, info_hash: string, id: string, complete: boolean | null }>(
      `SELECT c.domain, c.info_hash, c.id, h.complete FROM canaries c
       LEFT JOIN holdings h ON h.info_hash = c.info_hash AND h.domain = c.domain
       WHERE c.expires_at > now()`)
    return rows.map((row) => ({ domain: row.domain, infoHash: row.info_hash, id: row.id, complete: row.complete === true }))
  },

  /** A seeder's canaries other than `keep`: a new one replaces them. */
  removeOthers: (db: Db, domain: string, keep: string): Promise<number> => removeWhere(db, 'domain = $1 AND info_hash <> $2', [domain, keep]),

  removeExpired: (db: Db): Promise<number> => removeWhere(db, 'expires_at <= now()', [])
}
