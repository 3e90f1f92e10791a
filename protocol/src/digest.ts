import { sha256 } from '@noble/hashes/sha2.js'
import { base58btc } from 'multiformats/bases/base58'
import * as Digest from 'multiformats/hashes/digest'
import { toBase64url } from './base64.ts'

/** multihash code of SHA2-256 */
const SHA2_256 = 0x12

/** The manifest's `sha256`: 43 base64url characters, no padding. */
export const SHA256_BASE64URL = /^[A-Za-z0-9_-]{43}$/

/** The manifest's `sha256`: base64url (no padding) of the raw digest. */
export function sha256Base64url (digest: Uint8Array): string {
  return toBase64url(digest)
}

/**
 * FEP-ef61 style `digestMultibase`: a multihash (sha2-256) in multibase
 * base58btc, the form fediverse software already federates.
 */
export function digestMultibase (digest: Uint8Array): string {
  return base58btc.encode(Digest.create(SHA2_256, digest).bytes)
}

/** Convenience for small buffers (tests, signatures); large bodies hash as streams. */
export function sha256Of (bytes: Uint8Array): string {
  return sha256Base64url(sha256(bytes))
}
