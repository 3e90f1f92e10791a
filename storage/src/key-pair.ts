import { generateKeyPair, privateKeyFromPem, privateKeyToPem, publicKeyToPem } from '@fedswarm/protocol'
import type { Db } from './db.ts'

export interface StoredKeyPair {
  /** Raw Ed25519 private key (32 bytes). */
  privateKey: Uint8Array
  publicKeyPem: string
}

/**
 * A role's Ed25519 key, made on first start and kept in its database (table
 * `<table>` with columns id, private_key_pem, public_key_pem: PKCS #8 and
 * SPKI PEM, as data folders already hold them), so that every process of
 * the role signs with the same key. Concurrent first starts agree: the first
 * insert wins and everyone reads it back.
 */
export async function loadOrCreateKeyPair (db: Db, table: 'origin_keys' | 'seeder_keys'): Promise<StoredKeyPair> {
  const { privateKey, publicKey } = generateKeyPair()
  await db.query(
    `INSERT INTO ${table} (id, private_key_pem, public_key_pem) VALUES ('main', $1, $2) ON CONFLICT (id) DO NOTHING`,
    [privateKeyToPem(privateKey), publicKeyToPem(publicKey)])
  const [row] = await db.query<{ private_key_pem: string, public_key_pem: string }>(
    `SELECT private_key_pem, public_key_pem FROM ${table} WHERE id = 'main'`)
  return { privateKey: privateKeyFromPem(row!.private_key_pem), publicKeyPem: row!.public_key_pem }
}
