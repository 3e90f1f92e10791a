import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { Db } from './db.ts'

export interface StoredKeyPair {
  privateKey: KeyObject
  publicKeyPem: string
}

/**
 * A role's Ed25519 key, made on first start and kept in its database (table
 * `<table>` with columns id, private_key_pem, public_key_pem), so that every
 * process of the role signs with the same key. Concurrent first starts agree:
 * the first insert wins and everyone reads it back.
 */
export async function loadOrCreateKeyPair (db: Db, table: 'origin_keys' | 'seeder_keys'): Promise<StoredKeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  await db.query(
    `INSERT INTO ${table} (id, private_key_pem, public_key_pem) VALUES ('main', $1, $2) ON CONFLICT (id) DO NOTHING`,
    [privateKey.export({ type: 'pkcs8', format: 'pem' }), publicKey.export({ type: 'spki', format: 'pem' })])
  const [row] = await db.query<{ private_key_pem: string, public_key_pem: string }>(
    `SELECT private_key_pem, public_key_pem FROM ${table} WHERE id = 'main'`)
  return { privateKey: createPrivateKey(row!.private_key_pem), publicKeyPem: row!.public_key_pem }
}
