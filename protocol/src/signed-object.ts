import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { canonicalJson } from './canonical-json.ts'

/**
 * A JSON object signed with Ed25519 over the canonical JSON (RFC 8785) of
 * every field but `signature`. Used for deletion notices.
 */
export function signObject<T extends Record<string, unknown>> (fields: T, privateKey: KeyObject): T & { signature: string } {
  const signature = sign(null, Buffer.from(canonicalJson(fields)), privateKey).toString('base64url')
  return { ...fields, signature }
}

export function verifyObject (signed: Record<string, unknown>, publicKey: KeyObject): boolean {
  const { signature, ...fields } = signed
  if (typeof signature !== 'string') return false
  try {
    return verify(null, Buffer.from(canonicalJson(fields)), publicKey, Buffer.from(signature, 'base64url'))
  } catch {
    return false
  }
}

/** Ed25519 public keys travel as SPKI PEM in discovery documents. */
export function publicKeyFromPem (pem: string): KeyObject {
  const key = createPublicKey(pem)
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('not an Ed25519 public key')
  return key
}

export function privateKeyFromPem (pem: string): KeyObject {
  const key = createPrivateKey(pem)
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('not an Ed25519 private key')
  return key
}
