import { fromBase64url, toBase64url } from './base64.ts'
import { canonicalJson } from './canonical-json.ts'
import { signBytes, verifyBytes } from '#ed25519'

/**
 * A JSON object signed with Ed25519 over the canonical JSON (RFC 8785) of
 * every field but `signature`. Used for deletion notices.
 */
export function signObject<T extends Record<string, unknown>> (fields: T, privateKey: Uint8Array): T & { signature: string } {
  const signature = toBase64url(signBytes(utf8(canonicalJson(fields)), privateKey))
  return { ...fields, signature }
}

/** True only when `signed` is signed by `publicKey` and is unchanged; never throws. */
export function verifyObject (signed: Record<string, unknown>, publicKey: Uint8Array): boolean {
  const { signature, ...fields } = signed
  if (typeof signature !== 'string') return false
  try {
    return verifyBytes(fromBase64url(signature), utf8(canonicalJson(fields)), publicKey)
  } catch {
    return false
  }
}

function utf8 (text: string): Uint8Array {
  return new TextEncoder().encode(text)
}
