import type { Db, Queryable } from '@fedswarm/storage'

/** One item as a seeder keeps it. */
export interface SeederItem {
  infoHash: string
  origin: string
  mediaId: string
  sha256: string
  mediaType: string
  size: number
  torrent: Buffer
  state: 'fetching' | 'complete'
  /** mtime of the file when it was verified: a different one means re-verify before serving. */
  fileMtimeMs: number | null
  /** Decayed demand (requests), as of `demandedAt`. */
  requests: number
  demandedAt: Date
  createdAt: Date
  completedAt: Date | null
  /** A canary (its origin's test of this seeder at registration): dropped at this time. Null for media. */
  canaryUntil: Date | null
}

interface ItemRow {
  info_hash: string
  origin: string
  media_id: string
  sha256: string
  media_type: string
  size: number
  torrent: Uint8Array
  state: 'fetching' | 'complete'
  file_mtime_ms: number | null
  requests: number
  demanded_at: Date
  created_at: Date
  completed_at: Date | null
  canary_until: Date | null
}

const COLUMNS = 'info_hash, origin, media_id, sha256, media_type, size, torrent, state, file_mtime_ms, requests, demanded_at, created_at, completed_at, canary_until'

function fromRow (row: ItemRow): SeederItem {
  return {
    infoHash: row.info_hash,
    origin: row.origin,
    mediaId: row.media_id,
    sha256: row.sha256,
    mediaType: row.media_type,
    size: Number(row.size),
    torrent: Buffer.from(row.torrent),
    state: row.state,
    fileMtimeMs: row.file_mtime_ms,
    requests: row.requests,
    demandedAt: row.demanded_at,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    canaryUntil: row.canary_until
  }
}

/** The SQL of the seeder's items and per-origin cursors, in one place. */
export const itemsRepository = {
  async all (db: Queryable): Promise<SeederItem[]> {
    return (await db.query<ItemRow>(`SELECT ${COLUMNS} FROM seeder_items ORDER BY created_at`)).map(fromRow)
  },

  async get (db: Queryable, infoHash: string): Promise<SeederItem | undefined> {
    const [row] = await db.query<ItemRow>(`SELECT ${COLUMNS} FROM seeder_items WHERE info_hash = $1`, [infoHash])
    return row === undefined ? undefined : fromRow(row)
  },

  /** Starts tracking an item to fetch; false if it is known already. */
  async insertFetching (db: Queryable, item: Pick<SeederItem, 'infoHash' | 'origin' | 'mediaId' | 'sha256' | 'mediaType' | 'size' | 'torrent' | 'canaryUntil'>): Promise<boolean> {
    const rows = await db.query(
      `INSERT INTO seeder_items (info_hash, origin, media_id, sha256, media_type, size, torrent, state, canary_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'fetching', $8) ON CONFLICT DO NOTHING RETURNING info_hash`,
      [item.infoHash, item.origin, item.mediaId, item.sha256, item.mediaType, item.size, item.torrent, item.canaryUntil])
    return rows.length === 1
  },

  async markComplete (db: Queryable, infoHash: string, fileMtimeMs: number): Promise<void> {
    await db.query("UPDATE seeder_items SET state = 'complete', file_mtime_ms = $2, completed_at = coalesce(completed_at, now()) WHERE info_hash = $1", [infoHash, fileMtimeMs])
  },

  async recordDemand (db: Queryable, infoHash: string, requests: number, at: Date): Promise<void> {
    await db.query('UPDATE seeder_items SET requests = $2, demanded_at = $3 WHERE info_hash = $1', [infoHash, requests, at])
  },

  async remove (db: Queryable, infoHash: string): Promise<void> {
    await db.query('DELETE FROM seeder_items WHERE info_hash = $1', [infoHash])
  },

  /** Every origin the items on disk came from. */
  async origins (db: Queryable): Promise<string[]> {
    return (await db.query<{ origin: string }>('SELECT DISTINCT origin FROM seeder_items')).map((row) => row.origin)
  },

  async cursor (db: Queryable, origin: string): Promise<number | null> {
    const [row] = await db.query<{ event_cursor: number | null }>('SELECT event_cursor FROM seeder_origins WHERE origin = $1', [origin])
    return row?.event_cursor ?? null
  },

  async saveCursor (db: Queryable, origin: string, seq: number): Promise<void> {
    await db.query(
      `INSERT INTO seeder_origins (origin, event_cursor) VALUES ($1, $2)
       ON CONFLICT (origin) DO UPDATE SET event_cursor = greatest(coalesce(seeder_origins.event_cursor, 0), excluded.event_cursor)`,
      [origin, seq])
  },

  async tombstones (db: Queryable): Promise<string[]> {
    return (await db.query<{ info_hash: string }>('SELECT info_hash FROM seeder_tombstones')).map((row) => row.info_hash)
  },

  /** Records a deletion and forgets the item, in one transaction. */
  async tombstone (db: Db, origin: string, infoHash: string, seq: number): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO seeder_tombstones (info_hash, origin, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [infoHash, origin, seq])
      await tx.query('DELETE FROM seeder_items WHERE info_hash = $1', [infoHash])
    })
  },

  /** Seqs of an origin's deletions applied here whose ack the origin has not taken yet, oldest first. */
  async unacked (db: Queryable, origin: string): Promise<number[]> {
    const rows = await db.query<{ seq: number }>('SELECT seq FROM seeder_tombstones WHERE origin = $1 AND acked_at IS NULL ORDER BY seq', [origin])
    return rows.map((row) => Number(row.seq))
  },

  async markAcked (db: Queryable, origin: string, seq: number): Promise<void> {
    await db.query('UPDATE seeder_tombstones SET acked_at = now() WHERE origin = $1 AND seq = $2 AND acked_at IS NULL', [origin, seq])
  },

  async deletionCursor (db: Queryable, origin: string): Promise<number> {
    const [row] = await db.query<{ deletion_cursor: number | null }>('SELECT deletion_cursor FROM seeder_origins WHERE origin = $1', [origin])
    return row?.deletion_cursor ?? 0
  },

  async saveDeletionCursor (db: Queryable, origin: string, seq: number): Promise<void> {
    await db.query(
      `INSERT INTO seeder_origins (origin, deletion_cursor) VALUES ($1, $2)
       ON CONFLICT (origin) DO UPDATE SET deletion_cursor = greatest(coalesce(seeder_origins.deletion_cursor, 0), excluded.deletion_cursor)`,
      [origin, seq])
  },

  /** The origin's signing key as last fetched: its id and PEM. */
  async originKey (db: Queryable, origin: string): Promise<{ id: string, pem: string } | undefined> {
    const [row] = await db.query<{ public_key_pem: string | null }>('SELECT public_key_pem FROM seeder_origins WHERE origin = $1', [origin])
    return row?.public_key_pem == null ? undefined : JSON.parse(row.public_key_pem) as { id: string, pem: string }
  },

  async saveOriginKey (db: Queryable, origin: string, key: { id: string, pem: string }): Promise<void> {
    const publicKeyPem = JSON.stringify(key)
    await db.query(
      `INSERT INTO seeder_origins (origin, public_key_pem) VALUES ($1, $2)
       ON CONFLICT (origin) DO UPDATE SET public_key_pem = excluded.public_key_pem`,
      [origin, publicKeyPem])
  }
}
