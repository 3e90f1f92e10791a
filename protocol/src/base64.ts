import { base64pad, base64url } from 'multiformats/bases/base64'

/** base64url without padding (RFC 4648 §5): digests and signatures in Fedswarm's JSON. */
export function toBase64url (bytes: Uint8Array): string {
  return base64url.baseEncode(bytes)
}

/** @throws on a character outside the base64url alphabet */
export function fromBase64url (text: string): Uint8Array {
  return base64url.baseDecode(text)
}

/** Padded base64 (RFC 4648 §4), as PEM and HTTP structured fields write bytes. */
export function toBase64 (bytes: Uint8Array): string {
  return base64pad.baseEncode(bytes)
}

/** @throws on a character outside the base64 alphabet */
export function fromBase64 (text: string): Uint8Array {
  return base64pad.baseDecode(text)
}
