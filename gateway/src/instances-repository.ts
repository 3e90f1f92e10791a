import type { Queryable } from '@fedswarm/storage'

/** A seeder registered with this origin. */
export interface Instance {
  domain: string
  publicUrl: string
  keyId: string
  publicKeyPem: string
  mirrorBase: string
  status: 'active'
  registeredAt: Date
  lastSeenAt: Date
}

export type NewInstance = Pick<Instance, 'domain' | 'publicUrl' | 'keyId' | 'publicKeyPem' | 'mirrorBase'>

interface InstanceRow {
  domain: string
  public_url: string
  key_id: string
  public_key_pem: string
  mirror_base: string
  status: 'active'
  registered_at: Date
  last_seen_at: Date
}

const COLUMNS = 'domain, public_url, key_id, public_key_pem, mirror_base, status, registered_at, last_seen_at'

function fromRow (row: InstanceRow): Instance {
  return {
    domain: row.domain,
    publicUrl: row.public_url,
    keyId: row.key_id,
    publicKeyPem: row.public_key_pem,
    mirrorBase: row.mirror_base,
    status: row.status,
    registeredAt: row.registered_at,
    lastSeenAt: row.last_seen_at
  }
}

/** The SQL of registered seeders and what they hold, in one place. */
export const instancesRepository = {
  /** Registers a domain, or replaces its URL and key; the first registration time is kept. */
  async upsert (db: Queryable, instance: NewInstance): Promise<Instance> {
    const [row] = await db.query<InstanceRow>(
      `INSERT INTO instances (domain, public_url, key_id, public_key_pem, mirror_base) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (domain) DO UPDATE SET public_url = EXCLUDED.public_url, key_id = EXCLUDED.key_id,
         public_key_pem = EXCLUDED.public_key_pem, mirror_base = EXCLUDED.mirror_base, status = 'active', last_seen_at = now()
       RETURNING ${COLUMNS}`,
      [instance.domain, instance.publicUrl, instance.keyId, instance.publicKeyPem, instance.mirrorBase])
    return fromRow(row!)
  },

  async byKeyId (db: Queryable, keyId: string): Promise<Instance | undefined> {
    const rows = await db.query<InstanceRow>(`SELECT ${COLUMNS} FROM instances WHERE key_id = $1`, [keyId])
    return rows[0] === undefined ? undefined : fromRow(rows[0])
  },

  async touch (db: Queryable, domain: string): Promise<void> {
    await db.query('UPDATE instances SET last_seen_at = now() WHERE domain = $1', [domain])
  },

  async hold (db: Queryable, domain: string, infoHash: string): Promise<void> {
    await db.query('INSERT INTO holdings (domain, info_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING', [domain, infoHash])
  },

  async release (db: Queryable, domain: string, infoHash: string): Promise<void> {
    await db.query('DELETE FROM holdings WHERE domain = $1 AND info_hash = $2', [domain, infoHash])
  },

  /** Every instance with the number of live items it holds. */
  async list (db: Queryable): Promise<Array<Instance & { holdings: number }>> {
    const rows = await db.query<InstanceRow & { holdings: number }>(
      `SELECT ${COLUMNS.split(', ').map((c) => `i.${c}`).join(', ')},
         (SELECT count(*) FROM holdings h JOIN media m ON m.info_hash = h.info_hash AND m.deleted_at IS NULL WHERE h.domain = i.domain) AS holdings
       FROM instances i ORDER BY i.domain`)
    return rows.map((row) => ({ ...fromRow(row), holdings: Number(row.holdings) }))
  }
}
