import { fromBase64, toBase64 } from './base64.ts'

/**
 * Ed25519 keys in PEM, as Node's crypto writes them: public keys as SPKI
 * (what discovery documents carry), private keys as PKCS #8 (what the key
 * tables of existing data folders hold). In DER both are a fixed prefix
 * followed by the 32 raw key bytes (RFC 8410), so no ASN.1 parser is needed.
 */
const SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00)
const PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20)
const KEY_BYTES = 32

export function publicKeyFromPem (pem: string): Uint8Array {
  return rawKey(pem, 'PUBLIC KEY', SPKI_PREFIX, 'not an Ed25519 public key')
}

export function privateKeyFromPem (pem: string): Uint8Array {
  return rawKey(pem, 'PRIVATE KEY', PKCS8_PREFIX, 'not an Ed25519 private key')
}

export function publicKeyToPem (publicKey: Uint8Array): string {
  return toPem(publicKey, 'PUBLIC KEY', SPKI_PREFIX)
}

export function privateKeyToPem (privateKey: Uint8Array): string {
  return toPem(privateKey, 'PRIVATE KEY', PKCS8_PREFIX)
}

function rawKey (pem: string, label: string, prefix: Uint8Array, refusal: string): Uint8Array {
  const body = new RegExp(`^-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----$`).exec(pem.trim())?.[1]
  if (body === undefined) throw new TypeError(`${refusal} (no ${label} PEM block)`)
  let der: Uint8Array
  try {
    der = fromBase64(body.replace(/\s+/g, ''))
  } catch {
    throw new TypeError(`${refusal} (bad base64)`)
  }
  if (der.length !== prefix.length + KEY_BYTES || !prefix.every((byte, i) => der[i] === byte)) throw new TypeError(refusal)
  return der.slice(prefix.length)
}

function toPem (key: Uint8Array, label: string, prefix: Uint8Array): string {
  if (key.length !== KEY_BYTES) throw new TypeError(`an Ed25519 key is ${KEY_BYTES} bytes`)
  const der = new Uint8Array(prefix.length + KEY_BYTES)
  der.set(prefix)
  der.set(key, prefix.length)
  const lines = toBase64(der).match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}
