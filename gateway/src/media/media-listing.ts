import type { Queryable } from '@fedswarm/storage'

/** Which items a listing shows: `live` (not deleted), `hot` (hot and live), `deleted`, or `all`. */
export const LISTING_STATES = ['all', 'live', 'hot', 'deleted'] as const
export type ListingState = typeof LISTING_STATES[number]

export interface ListingQuery {
  limit: number
  /** Items older than this id (ULIDs sort by creation): the cursor of the next page. */
  before?: string
  /** Matched against the id (a prefix), the media type and the drop-in front's keys (parts), case aside. */
  q?: string
  state: ListingState
}

/** An item as the admin's list shows it, with what the database knows of its copies. */
export interface ListedItem {
  id: string
  mediaType: string
  size: number
  sha256: string
  infoHash: string
  createdAt: Date
  hotAt: Date | null
  deletedAt: Date | null
  deleteReason: string | null
  /** Deleted and its bytes still refused: what a restore lifts. */
  tombstoned: boolean
  /** The drop-in front's keys that serve this item. */
  keys: string[]
  /** Seeders that report holding the whole item, and those fetching it now. */
  holders: number
  filling: number
}

interface Row {
  id: string
  media_type: string
  size: number | string
  sha256: string
  info_hash: string
  created_at: Date
  hot_at: Date | null
  deleted_at: Date | null
  delete_reason: string | null
  tombstoned: boolean
  keys: string[] | string
  holders: number | string
  filling: number | string
}

const STATE_CONDITION: Record<ListingState, string> = {
  all: 'true',
  live: 'm.deleted_at IS NULL',
  hot: 'm.hot_at IS NOT NULL AND m.deleted_at IS NULL',
  deleted: 'm.deleted_at IS NOT NULL'
}

/** `%`, `_` and `\` of a search taken literally in LIKE. */
const literal = (text: string): string => text.replace(/[\\%_]/g, '\\$&')

/** The admin's list of media, newest first, page by page (`GET /api/media`). */
export async function listMedia (db: Queryable, query: ListingQuery): Promise<ListedItem[]> {
  const q = query.q === undefined || query.q === '' ? null : literal(query.q)
  const rows = await db.query<Row>(
    `SELECT m.id, m.media_type, m.size, m.sha256, m.info_hash, m.created_at, m.hot_at, m.deleted_at, m.delete_reason,
       EXISTS (SELECT 1 FROM tombstones t WHERE t.media_id = m.id) AS tombstoned,
       coalesce((SELECT json_agg(k.key ORDER BY k.key) FROM front_keys k WHERE k.media_id = m.id AND k.removed_at IS NULL), '[]'::json) AS keys,
       (SELECT count(*) FROM holdings h WHERE h.info_hash = m.info_hash AND h.complete) AS holders,
       (SELECT count(*) FROM holdings h WHERE h.info_hash = m.info_hash AND NOT h.complete) AS filling
     FROM media m
     WHERE ($1::text IS NULL OR m.id < $1) AND ${STATE_CONDITION[query.state]}
       AND ($2::text IS NULL OR m.id ILIKE $2 || '%' OR m.media_type ILIKE '%' || $2 || '%'
         OR EXISTS (SELECT 1 FROM front_keys k WHERE k.media_id = m.id AND k.key ILIKE '%' || $2 || '%'))
     ORDER BY m.id DESC LIMIT $3`,
    [query.before ?? null, q, query.limit])
  return rows.map((row) => ({
    id: row.id,
    mediaType: row.media_type,
    size: Number(row.size),
    sha256: row.sha256,
    infoHash: row.info_hash,
    createdAt: row.created_at,
    hotAt: row.hot_at,
    deletedAt: row.deleted_at,
    deleteReason: row.delete_reason,
    tombstoned: row.tombstoned,
    keys: typeof row.keys === 'string' ? JSON.parse(row.keys) as string[] : row.keys,
    holders: Number(row.holders),
    filling: Number(row.filling)
  }))
}
