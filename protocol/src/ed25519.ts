import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'

// Given a synchronous SHA-512, @noble/ed25519 signs and verifies synchronously,
// in Node and in browsers alike; Web Crypto would make every check async.
ed.hashes.sha512 = sha512

/**
 * Ed25519 keys as raw bytes (RFC 8032): a 32-byte private key (the seed)
 * and its 32-byte public key. They travel as PEM (pem.ts).
 */
export interface Ed25519KeyPair {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

export function generateKeyPair (): Ed25519KeyPair {
  const privateKey = ed.utils.randomSecretKey()
  return { privateKey, publicKey: ed.getPublicKey(privateKey) }
}

export function signBytes (message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  return ed.sign(message, privateKey)
}

/**
 * True only for a valid signature; never throws. RFC 8032's strict rules
 * (not ZIP-215's), as OpenSSL checks: one message, one valid signature.
 */
export function verifyBytes (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}
