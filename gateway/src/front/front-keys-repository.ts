import type { Queryable } from '@fedswarm/storage'

/** A key of the server's store the front has made an item of. */
export interface FrontKey {
  key: string
  mediaId: string
  /** When the object left the store and the item was deleted for it; null while it is there. */
  removedAt: Date | null
}

/** A key of a live item, for the periodic check. */
export interface LiveFrontKey {
  key: string
  mediaId: string
  hot: boolean
}

interface FrontKeyRow {
  key: string
  media_id: string
  removed_at: Date | null
}

/** The SQL of the `front_keys` table, in one place. */
export const frontKeysRepository = {
  async byKey (db: Queryable, key: string): Promise<FrontKey | undefined> {
    const [row] = await db.query<FrontKeyRow>('SELECT key, media_id, removed_at FROM front_keys WHERE key = $1', [key])
    return row === undefined ? undefined : { key: row.key, mediaId: row.media_id, removedAt: row.removed_at }
  },

  /** Records `key` → `mediaId` unless the key is already recorded; returns the item the key names now. */
  async insert (db: Queryable, key: string, mediaId: string): Promise<string> {
    await db.query('INSERT INTO front_keys (key, media_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, mediaId])
    const [row] = await db.query<{ media_id: string }>('SELECT media_id FROM front_keys WHERE key = $1', [key])
    return row!.media_id
  },

  async remove (db: Queryable, key: string): Promise<void> {
    await db.query('DELETE FROM front_keys WHERE key = $1', [key])
  },

  async markRemoved (db: Queryable, key: string): Promise<void> {
    await db.query('UPDATE front_keys SET removed_at = now() WHERE key = $1 AND removed_at IS NULL', [key])
  },

  /** Every key of an item whose object has not been seen leaving the store. */
  async keysOf (db: Queryable, mediaId: string): Promise<string[]> {
    const rows = await db.query<{ key: string }>('SELECT key FROM front_keys WHERE media_id = $1 AND removed_at IS NULL ORDER BY key', [mediaId])
    return rows.map((row) => row.key)
  },

  /** Keys of live items, in key order after `after`, at most `limit`. */
  async livePage (db: Queryable, after: string, limit: number): Promise<LiveFrontKey[]> {
    const rows = await db.query<{ key: string, media_id: string, hot: boolean }>(
      `SELECT f.key, f.media_id, m.hot_at IS NOT NULL AS hot FROM front_keys f JOIN media m ON m.id = f.media_id
       WHERE f.removed_at IS NULL AND m.deleted_at IS NULL AND f.key > $1 ORDER BY f.key LIMIT $2`, [after, limit])
    return rows.map((row) => ({ key: row.key, mediaId: row.media_id, hot: row.hot }))
  }
}
