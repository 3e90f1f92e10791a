import type { Queryable } from '@fedswarm/storage'

import type { SeederAckStatus } from '../deletion/deletions-repository.ts'

/** A seeder's status follows its acks of deletion notices, unless the admin refused it (until re-admitted). */
export type InstanceStatus = SeederAckStatus | 'refused'

/** A seeder registered with this origin. */
export interface Instance {
  domain: string
  publicUrl: string
  keyId: string
  publicKeyPem: string
  mirrorBase: string
  status: InstanceStatus
  registeredAt: Date
  lastSeenAt: Date
  /** Its own server's addresses as its latest registration declared them (FEDSWARM_SERVER_ADDRESSES); null: it claims no locality. */
  serverAddresses: string[] | null
  /** Addresses this origin saw it use at its latest registration (mirrors/locality.ts seenAddresses). */
  seenAddresses: string[]
}

export type NewInstance = Pick<Instance, 'domain' | 'publicUrl' | 'keyId' | 'publicKeyPem' | 'mirrorBase' | 'serverAddresses' | 'seenAddresses'>

interface InstanceRow {
  domain: string
  public_url: string
  key_id: string
  public_key_pem: string
  mirror_base: string
  status: InstanceStatus
  registered_at: Date
  last_seen_at: Date
  server_addresses: string[] | null
  seen_addresses: string[]
}

const COLUMNS = 'domain, public_url, key_id, public_key_pem, mirror_base, status, registered_at, last_seen_at, server_addresses, seen_addresses'

function fromRow (row: InstanceRow): Instance {
  return {
    domain: row.domain,
    publicUrl: row.public_url,
    keyId: row.key_id,
    publicKeyPem: row.public_key_pem,
    mirrorBase: row.mirror_base,
    status: row.status,
    registeredAt: row.registered_at,
    lastSeenAt: row.last_seen_at,
    serverAddresses: row.server_addresses,
    seenAddresses: row.seen_addresses
  }
}

/** The SQL of registered seeders and what they hold, in one place. */
export const instancesRepository = {
  /** Registers a domain, or replaces its URL, key and locality claim; the first registration time and the status are kept. */
  async upsert (db: Queryable, instance: NewInstance): Promise<Instance> {
    const [row] = await db.query<InstanceRow>(
      `INSERT INTO instances (domain, public_url, key_id, public_key_pem, mirror_base, server_addresses, seen_addresses) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
       ON CONFLICT (domain) DO UPDATE SET public_url = EXCLUDED.public_url, key_id = EXCLUDED.key_id,
         public_key_pem = EXCLUDED.public_key_pem, mirror_base = EXCLUDED.mirror_base,
         server_addresses = EXCLUDED.server_addresses, seen_addresses = EXCLUDED.seen_addresses, last_seen_at = now()
       RETURNING ${COLUMNS}`,
      [instance.domain, instance.publicUrl, instance.keyId, instance.publicKeyPem, instance.mirrorBase,
        instance.serverAddresses === null ? null : JSON.stringify(instance.serverAddresses), JSON.stringify(instance.seenAddresses)])
    return fromRow(row!)
  },

  async byKeyId (db: Queryable, keyId: string): Promise<Instance | undefined> {
    const rows = await db.query<InstanceRow>(`SELECT ${COLUMNS} FROM instances WHERE key_id = $1`, [keyId])
    return rows[0] === undefined ? undefined : fromRow(rows[0])
  },

  async byDomain (db: Queryable, domain: string): Promise<Instance | undefined> {
    const rows = await db.query<InstanceRow>(`SELECT ${COLUMNS} FROM instances WHERE domain = $1`, [domain])
    return rows[0] === undefined ? undefined : fromRow(rows[0])
  },

  /** Refuses the seeder: status `refused`, and what it said it holds forgotten (it is no mirror any more). False if unknown. */
  async refuse (tx: Queryable, domain: string): Promise<boolean> {
    const rows = await tx.query("UPDATE instances SET status = 'refused' WHERE domain = $1 RETURNING domain", [domain])
    await tx.query('DELETE FROM holdings WHERE domain = $1', [domain])
    return rows.length === 1
  },

  /** Lifts a refusal: `active` for now, its acks decide next (deletionsRepository.refreshStatus). False unless it was refused. */
  async readmit (tx: Queryable, domain: string): Promise<boolean> {
    const rows = await tx.query("UPDATE instances SET status = 'active' WHERE domain = $1 AND status = 'refused' RETURNING domain", [domain])
    return rows.length === 1
  },

  async touch (db: Queryable, domain: string): Promise<void> {
    await db.query('UPDATE instances SET last_seen_at = now() WHERE domain = $1', [domain])
  },

  async hold (db: Queryable, domain: string, infoHash: string): Promise<void> {
    await db.query('INSERT INTO holdings (domain, info_hash, complete) VALUES ($1, $2, true) ON CONFLICT (domain, info_hash) DO UPDATE SET complete = true', [domain, infoHash])
  },

  /** The seeder is fetching the item; a holding already complete stays so. */
  async filling (db: Queryable, domain: string, infoHash: string): Promise<void> {
    await db.query('INSERT INTO holdings (domain, info_hash, complete) VALUES ($1, $2, false) ON CONFLICT DO NOTHING', [domain, infoHash])
  },

  async release (db: Queryable, domain: string, infoHash: string): Promise<void> {
    await db.query('DELETE FROM holdings WHERE domain = $1 AND info_hash = $2', [domain, infoHash])
  },

  /** What the seeder's latest holdings report says it can serve, bytes per second (null: not said). */
  async setCapacity (db: Queryable, domain: string, capacity: number | null): Promise<void> {
    await db.query('UPDATE instances SET capacity = $2 WHERE domain = $1', [domain, capacity])
  },

  /** Every seeder as a mirror: where it is, whether it is stale, its capacity, its locality claim. */
  async mirrors (db: Queryable): Promise<MirrorRow[]> {
    const rows = await db.query<{ domain: string, public_url: string, status: InstanceStatus, capacity: string | number | null, server_addresses: string[] | null, seen_addresses: string[] }>(
      'SELECT domain, public_url, status, capacity, server_addresses, seen_addresses FROM instances')
    return rows.map((row) => ({
      domain: row.domain,
      publicUrl: row.public_url,
      status: row.status,
      capacity: row.capacity === null ? null : Number(row.capacity),
      serverAddresses: row.server_addresses,
      seenAddresses: row.seen_addresses
    }))
  },

  /** Every holding of a live item: who holds (or is fetching: `complete` false) which info hash, and the item's id. */
  async liveHoldings (db: Queryable): Promise<Array<{ domain: string, infoHash: string, id: string, complete: boolean }>> {
    const rows = await db.query<{ domain: string, info_hash: string, id: string, complete: boolean }>(
      'SELECT h.domain, h.info_hash, m.id, h.complete FROM holdings h JOIN media m ON m.info_hash = h.info_hash AND m.deleted_at IS NULL')
    return rows.map((row) => ({ domain: row.domain, infoHash: row.info_hash, id: row.id, complete: row.complete }))
  },

  /** Every instance with the number of live items it holds and its newest ack. */
  async list (db: Queryable): Promise<Array<Instance & InstanceCounts>> {
    const rows = await db.query<InstanceRow & { holdings: number, last_ack_seq: number | null }>(
      `SELECT ${COLUMNS.split(', ').map((c) => `i.${c}`).join(', ')},
         (SELECT count(*) FROM holdings h JOIN media m ON m.info_hash = h.info_hash AND m.deleted_at IS NULL WHERE h.domain = i.domain AND h.complete) AS holdings,
         (SELECT max(a.seq) FROM acks a WHERE a.domain = i.domain) AS last_ack_seq
       FROM instances i ORDER BY i.domain`)
    return rows.map((row) => ({
      ...fromRow(row),
      holdings: Number(row.holdings),
      lastAckSeq: row.last_ack_seq === null ? null : Number(row.last_ack_seq)
    }))
  }
}

export interface MirrorRow extends Pick<Instance, 'domain' | 'publicUrl' | 'status' | 'serverAddresses' | 'seenAddresses'> {
  capacity: number | null
}

export interface InstanceCounts {
  holdings: number
  lastAckSeq: number | null
}
