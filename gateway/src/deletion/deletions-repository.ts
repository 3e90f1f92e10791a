import type { DeletionNotice } from '@fedswarm/protocol'
import type { Queryable } from '@fedswarm/storage'

/** `stale`: a deletion notice has waited longer than FEDSWARM_ACK_TIMEOUT for this seeder's ack. */
export type SeederAckStatus = 'active' | 'stale'

/** A signed deletion notice as the origin keeps it. */
export interface Deletion {
  seq: number
  mediaId: string
  infoHash: string
  notice: DeletionNotice
  createdAt: Date
}

export interface Ack {
  domain: string
  ackedAt: Date
}

interface DeletionRow {
  seq: number
  media_id: string
  info_hash: string
  notice: DeletionNotice
  created_at: Date
}

const COLUMNS = 'seq, media_id, info_hash, notice, created_at'

/**
 * SQL condition: the notice `d` awaits an ack from the seeder `i` — it was
 * registered before the deletion and has not acked it. The one definition of
 * "pending", for the manifest of a deleted item, the admin's list and the sweep.
 */
const UNACKED = 'd.created_at > i.registered_at AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.domain = i.domain AND a.seq = d.seq)'

function fromRow (row: DeletionRow): Deletion {
  return { seq: Number(row.seq), mediaId: row.media_id, infoHash: row.info_hash, notice: row.notice, createdAt: row.created_at }
}

/** The SQL of deletion notices and of seeders' acks of them, in one place. */
export const deletionsRepository = {
  /**
   * The next notice seq. Holds a lock until the end of `tx`, so seqs are
   * gap-free and commit in order: a seeder paging with `after=` never skips one.
   */
  async nextSeq (tx: Queryable): Promise<number> {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('fedswarm:deletions'))")
    const [row] = await tx.query<{ seq: number }>('SELECT coalesce(max(seq), 0) + 1 AS seq FROM deletions')
    return Number(row!.seq)
  },

  async insert (tx: Queryable, notice: DeletionNotice): Promise<void> {
    await tx.query('INSERT INTO deletions (seq, media_id, info_hash, notice) VALUES ($1, $2, $3, $4)',
      [notice.seq, notice.id, notice.infoHash, JSON.stringify(notice)])
  },

  async byMediaId (db: Queryable, mediaId: string): Promise<Deletion | undefined> {
    const rows = await db.query<DeletionRow>(`SELECT ${COLUMNS} FROM deletions WHERE media_id = $1`, [mediaId])
    return rows[0] === undefined ? undefined : fromRow(rows[0])
  },

  async bySeq (db: Queryable, seq: number): Promise<Deletion | undefined> {
    const rows = await db.query<DeletionRow>(`SELECT ${COLUMNS} FROM deletions WHERE seq = $1`, [seq])
    return rows[0] === undefined ? undefined : fromRow(rows[0])
  },

  /** Notices with seq > `after`, in seq order. */
  async page (db: Queryable, after: number, limit: number): Promise<DeletionNotice[]> {
    const rows = await db.query<{ notice: DeletionNotice }>('SELECT notice FROM deletions WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit])
    return rows.map((row) => row.notice)
  },

  /** Deletions with seq < `before` (all when undefined), newest first. */
  async recent (db: Queryable, before: number | undefined, limit: number): Promise<Deletion[]> {
    const rows = await db.query<DeletionRow>(`SELECT ${COLUMNS} FROM deletions WHERE $1::bigint IS NULL OR seq < $1 ORDER BY seq DESC LIMIT $2`, [before ?? null, limit])
    return rows.map(fromRow)
  },

  /** Records that `domain` purged the item of notice `seq`; the first ack's time is kept. */
  async ack (tx: Queryable, domain: string, seq: number): Promise<void> {
    await tx.query('INSERT INTO acks (domain, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING', [domain, seq])
  },

  async acks (db: Queryable, seq: number): Promise<Ack[]> {
    const rows = await db.query<{ domain: string, acked_at: Date }>('SELECT domain, acked_at FROM acks WHERE seq = $1 ORDER BY acked_at, domain', [seq])
    return rows.map((row) => ({ domain: row.domain, ackedAt: row.acked_at }))
  },

  /** Seeders registered before the deletion that have not acked it yet. */
  async pending (db: Queryable, seq: number): Promise<string[]> {
    const rows = await db.query<{ domain: string }>(
      `SELECT i.domain FROM instances i JOIN deletions d ON d.seq = $1 WHERE ${UNACKED} ORDER BY i.domain`, [seq])
    return rows.map((row) => row.domain)
  },

  /** How many notices each seeder has yet to ack (seeders with none are absent). */
  async pendingCounts (db: Queryable): Promise<Map<string, number>> {
    const rows = await db.query<{ domain: string, pending: number }>(
      `SELECT i.domain, count(*) AS pending FROM instances i JOIN deletions d ON ${UNACKED} GROUP BY i.domain`)
    return new Map(rows.map((row) => [row.domain, Number(row.pending)]))
  },

  /**
   * Sets each seeder's status from its acks: `stale` while a notice has waited
   * more than `timeoutMs` for its ack, else `active`. Only `domain` when given;
   * never a seeder the admin refused.
   * Returns the seeders whose status changed.
   */
  async refreshStatus (db: Queryable, timeoutMs: number, domain?: string): Promise<Array<{ domain: string, status: SeederAckStatus }>> {
    return await db.query<{ domain: string, status: SeederAckStatus }>(
      `UPDATE instances i SET status = s.status
       FROM (SELECT i.domain, CASE WHEN EXISTS (SELECT 1 FROM deletions d WHERE ${UNACKED} AND d.created_at < now() - $1::double precision * interval '1 millisecond')
               THEN 'stale' ELSE 'active' END AS status
             FROM instances i WHERE ($2::text IS NULL OR i.domain = $2) AND i.status <> 'refused') s
       WHERE i.domain = s.domain AND i.status <> s.status
       RETURNING i.domain, i.status`,
      [timeoutMs, domain ?? null])
  },

  /**
   * Seeders with a notice un-acked for more than `afterMs` that were not
   * poked in the last `afterMs`: marks them poked now and returns them, so
   * that each is poked once per interval however many processes sweep.
   */
  async claimPokes (db: Queryable, afterMs: number): Promise<Array<{ domain: string, publicUrl: string }>> {
    const rows = await db.query<{ domain: string, public_url: string }>(
      `UPDATE instances i SET poked_at = now()
       WHERE (i.poked_at IS NULL OR i.poked_at < now() - $1::double precision * interval '1 millisecond')
         AND EXISTS (SELECT 1 FROM deletions d WHERE ${UNACKED} AND d.created_at < now() - $1::double precision * interval '1 millisecond')
       RETURNING i.domain, i.public_url`,
      [afterMs])
    return rows.map((row) => ({ domain: row.domain, publicUrl: row.public_url }))
  }
}
