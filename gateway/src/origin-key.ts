import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { Db } from '@fedswarm/storage'
import { privateKeyFromPem } from '@fedswarm/protocol'

export interface OriginKey {
  privateKey: KeyObject
  publicKeyPem: string
}

/**
 * The origin's Ed25519 key, made on first start and kept in the database so
 * that every process of one origin signs with the same key.
 */
export async function loadOrCreateOriginKey (db: Db): Promise<OriginKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  await db.query(
    "INSERT INTO origin_keys (id, private_key_pem, public_key_pem) VALUES ('main', $1, $2) ON CONFLICT (id) DO NOTHING",
    [privateKey.export({ type: 'pkcs8', format: 'pem' }), publicKey.export({ type: 'spki', format: 'pem' })])
  const [row] = await db.query<{ private_key_pem: string, public_key_pem: string }>(
    "SELECT private_key_pem, public_key_pem FROM origin_keys WHERE id = 'main'")
  return { privateKey: privateKeyFromPem(row!.private_key_pem), publicKeyPem: row!.public_key_pem }
}
