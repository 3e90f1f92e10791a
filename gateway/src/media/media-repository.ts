import type { Queryable } from '@fedswarm/storage'
import type { ManifestSource } from '@fedswarm/protocol'

/** One media item as the origin stores it. */
export interface MediaItem extends ManifestSource {
  torrent: Buffer
  blobKey: string
  hotAt: Date | null
  deletedAt: Date | null
}

export type NewMediaItem = Omit<MediaItem, 'hotAt' | 'deletedAt' | 'createdAt'> & { hot: boolean }

/**
 * Blob keys the origin wrote itself (`fedswarm/<id>`). Any other key is an
 * object of the server the drop-in front serves (gateway/src/front/): the
 * origin reads it, and never writes or deletes it.
 */
export const OWN_BLOB_PREFIX = 'fedswarm/'

interface MediaRow {
  id: string
  sha256: string
  digest_multibase: string
  info_hash: string
  media_type: string
  size: number
  piece_length: number
  torrent: Uint8Array
  blob_key: string
  hot_at: Date | null
  created_at: Date
  deleted_at: Date | null
}

const COLUMNS = 'id, sha256, digest_multibase, info_hash, media_type, size, piece_length, torrent, blob_key, hot_at, created_at, deleted_at'

function fromRow (row: MediaRow): MediaItem {
  return {
    id: row.id,
    sha256: row.sha256,
    digestMultibase: row.digest_multibase,
    infoHash: row.info_hash,
    mediaType: row.media_type,
    size: Number(row.size),
    pieceLength: row.piece_length,
    torrent: Buffer.from(row.torrent),
    blobKey: row.blob_key,
    hotAt: row.hot_at,
    createdAt: row.created_at,
    deletedAt: row.deleted_at
  }
}

/** The SQL of media items, in one place. Every function takes the connection or transaction to use. */
export const mediaRepository = {
  async byId (db: Queryable, id: string): Promise<MediaItem | undefined> {
    const rows = await db.query<MediaRow>(`SELECT ${COLUMNS} FROM media WHERE id = $1`, [id])
    return rows[0] === undefined ? undefined : fromRow(rows[0])
  },

  async liveBySha256 (db: Queryable, sha256: string): Promise<MediaItem | undefined> {
    const rows = await db.query<MediaRow>(`SELECT ${COLUMNS} FROM media WHERE sha256 = $1 AND deleted_at IS NULL`, [sha256])
    return rows[0] === undefined ? undefined : fromRow(rows[0])
  },

  async isTombstoned (db: Queryable, sha256: string): Promise<boolean> {
    const rows = await db.query('SELECT 1 FROM tombstones WHERE sha256 = $1', [sha256])
    return rows.length > 0
  },

  /**
   * Serialises, until the end of `tx`, the transactions that publish or
   * delete these bytes, so a publish sees a tombstone committed by a
   * deletion it raced with. Taken before any row lock of the item.
   */
  async lockSha256 (tx: Queryable, sha256: string): Promise<void> {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('fedswarm:sha256:' || $1))", [sha256])
  },

  /** Marks a live item deleted; returns when (the transaction's time), or undefined if it was not live. */
  async markDeleted (tx: Queryable, id: string, reason: string): Promise<Date | undefined> {
    const rows = await tx.query<{ deleted_at: Date }>(
      'UPDATE media SET deleted_at = now(), delete_reason = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING deleted_at', [id, reason])
    return rows[0]?.deleted_at
  },

  /** Refuses these bytes (and names the info hash) from now on; replaces an earlier tombstone of the same bytes. */
  async tombstone (tx: Queryable, item: Pick<MediaItem, 'id' | 'sha256' | 'infoHash'>): Promise<void> {
    await tx.query(
      `INSERT INTO tombstones (sha256, info_hash, media_id) VALUES ($1, $2, $3)
       ON CONFLICT (sha256) DO UPDATE SET info_hash = EXCLUDED.info_hash, media_id = EXCLUDED.media_id, deleted_at = now()`,
      [item.sha256, item.infoHash, item.id])
  },

  /** Lifts the tombstone a deleted item left, if it is still there; returns whether one was lifted. */
  async liftTombstone (db: Queryable, id: string): Promise<boolean> {
    const rows = await db.query('DELETE FROM tombstones WHERE media_id = $1 RETURNING sha256', [id])
    return rows.length > 0
  },

  /** Info hashes of every deleted item: the tracker answers "removed" for them. */
  async deletedInfoHashes (db: Queryable): Promise<string[]> {
    const rows = await db.query<{ info_hash: string }>('SELECT info_hash FROM media WHERE deleted_at IS NOT NULL')
    return rows.map((row) => row.info_hash)
  },

  /**
   * Blob keys of deleted items whose blob is not yet known to be gone: `id` alone, or all of them.
   * Only the origin's own blobs: a front item's object is the server's to delete.
   */
  async blobsToRemove (db: Queryable, id?: string): Promise<Array<{ id: string, blobKey: string }>> {
    const rows = await db.query<{ id: string, blob_key: string }>(
      'SELECT id, blob_key FROM media WHERE deleted_at IS NOT NULL AND blob_removed_at IS NULL AND starts_with(blob_key, $2) AND ($1::text IS NULL OR id = $1) ORDER BY id',
      [id ?? null, OWN_BLOB_PREFIX])
    return rows.map((row) => ({ id: row.id, blobKey: row.blob_key }))
  },

  async markBlobRemoved (db: Queryable, id: string): Promise<void> {
    await db.query('UPDATE media SET blob_removed_at = now() WHERE id = $1 AND blob_removed_at IS NULL', [id])
  },

  /** Records, before a blob is put in the store, that no item owns it yet. */
  async addPendingBlob (db: Queryable, blobKey: string): Promise<void> {
    await db.query('INSERT INTO pending_blobs (blob_key) VALUES ($1) ON CONFLICT DO NOTHING', [blobKey])
  },

  /**
   * Forgets a pending blob: in the transaction that inserts its item (the blob is owned from now on), or once
   * the blob is removed. False when it was not pending (a start's sweep removed it meanwhile).
   */
  async removePendingBlob (db: Queryable, blobKey: string): Promise<boolean> {
    return (await db.query('DELETE FROM pending_blobs WHERE blob_key = $1 RETURNING blob_key', [blobKey])).length === 1
  },

  /** Blobs of uploads that never committed (a crash cut them short). */
  async pendingBlobs (db: Queryable): Promise<string[]> {
    const rows = await db.query<{ blob_key: string }>('SELECT blob_key FROM pending_blobs ORDER BY blob_key')
    return rows.map((row) => row.blob_key)
  },

  /** Where a live item's bytes are read from now (a front item whose first object left the server's store). */
  async setBlobKey (db: Queryable, id: string, blobKey: string): Promise<void> {
    await db.query('UPDATE media SET blob_key = $2 WHERE id = $1 AND deleted_at IS NULL', [id, blobKey])
  },

  /** The deleted item whose tombstone refuses these bytes, if any. */
  async tombstonedMediaId (db: Queryable, sha256: string): Promise<string | undefined> {
    const rows = await db.query<{ media_id: string }>('SELECT media_id FROM tombstones WHERE sha256 = $1', [sha256])
    return rows[0]?.media_id
  },

  /** Inserts the item unless live bytes with the same sha256 exist; returns whether it was inserted. */
  async insert (db: Queryable, item: NewMediaItem): Promise<boolean> {
    const rows = await db.query(
      `INSERT INTO media (id, sha256, digest_multibase, info_hash, media_type, size, piece_length, torrent, blob_key, hot_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $10::boolean THEN now() END)
       ON CONFLICT DO NOTHING RETURNING id`,
      [item.id, item.sha256, item.digestMultibase, item.infoHash, item.mediaType, item.size, item.pieceLength, item.torrent, item.blobKey, item.hot])
    return rows.length === 1
  },

  /** Marks a live item hot; true only for the one call that made it so. */
  async markHot (db: Queryable, id: string): Promise<boolean> {
    const rows = await db.query('UPDATE media SET hot_at = now() WHERE id = $1 AND hot_at IS NULL AND deleted_at IS NULL RETURNING id', [id])
    return rows.length === 1
  },

  /** Whether an info hash is a live item (with its id), a deleted one, or none. */
  async stateOfInfoHash (db: Queryable, infoHash: string): Promise<{ state: 'live', id: string } | { state: 'deleted' | 'unknown' }> {
    const [row] = await db.query<{ id: string, deleted_at: Date | null }>('SELECT id, deleted_at FROM media WHERE info_hash = $1', [infoHash])
    if (row === undefined) return { state: 'unknown' }
    return row.deleted_at === null ? { state: 'live', id: row.id } : { state: 'deleted' }
  },

  /**
   * Live info hashes created since `since` (all when null), and the database's
   * clock to pass next time. The window overlaps by a few seconds, so a
   * transaction that committed late is not missed.
   */
  async liveInfoHashesSince (db: Queryable, since: Date | null): Promise<{ infoHashes: string[], asOf: Date }> {
    const [clock] = await db.query<{ now: Date }>('SELECT now() AS now')
    const rows = await db.query<{ info_hash: string }>(
      "SELECT info_hash FROM media WHERE deleted_at IS NULL AND ($1::timestamptz IS NULL OR created_at >= $1::timestamptz - interval '30 seconds')", [since])
    return { infoHashes: rows.map((row) => row.info_hash), asOf: clock!.now }
  },

  async hotItems (db: Queryable, limit: number): Promise<MediaItem[]> {
    const rows = await db.query<MediaRow>(
      `SELECT ${COLUMNS} FROM media WHERE hot_at IS NOT NULL AND deleted_at IS NULL ORDER BY hot_at DESC LIMIT $1`, [limit])
    return rows.map(fromRow)
  },

  async byIds (db: Queryable, ids: string[]): Promise<MediaItem[]> {
    if (ids.length === 0) return []
    const rows = await db.query<MediaRow>(`SELECT ${COLUMNS} FROM media WHERE id = ANY($1) AND deleted_at IS NULL`, [ids])
    return rows.map(fromRow)
  }
}
