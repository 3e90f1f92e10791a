import type { Db } from '@fedswarm/storage'

/**
 * Signature nonces already used, so that a captured signed request cannot be
 * sent again. Kept in the `seen_nonces` table rather than in memory: every
 * process of one origin must refuse a replay that another one accepted, and
 * a restart must not reopen the window. A nonce is kept until its signature
 * would be refused as too old anyway (created + max age), then pruned.
 */
export interface NonceStore {
  /** Whether this key already used this nonce. */
  seen (keyId: string, nonce: string): Promise<boolean>
  /** Records a use; false when it was already recorded (a replay, possibly a concurrent one). */
  use (keyId: string, nonce: string, expiresAt: Date): Promise<boolean>
}

const PRUNE_EVERY_MS = 60_000

export function createNonceStore (db: Db, now: () => number = Date.now): NonceStore {
  let prunedAt = 0
  return {
    async seen (keyId, nonce) {
      const rows = await db.query('SELECT 1 FROM seen_nonces WHERE key_id = $1 AND nonce = $2 AND expires_at > now()', [keyId, nonce])
      return rows.length > 0
    },
    async use (keyId, nonce, expiresAt) {
      if (now() - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = now()
        await db.query('DELETE FROM seen_nonces WHERE expires_at <= now()')
      }
      const rows = await db.query(
        'INSERT INTO seen_nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1',
        [keyId, nonce, expiresAt])
      return rows.length === 1
    }
  }
}
