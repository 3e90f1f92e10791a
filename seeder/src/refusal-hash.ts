/** What a refusal names: an item by its info hash, or any item of the same bytes by their sha256. */
export interface RefusalHash {
  kind: 'info_hash' | 'sha256'
  /** Lowercase hex: 40 characters for an info hash, 64 for a sha256. */
  hash: string
}

/** The longest reason a refusal keeps (the admin API and list files alike). */
export const MAX_REFUSAL_REASON = 1000

const HEX_40 = /^[0-9a-fA-F]{40}$/
const HEX_64 = /^[0-9a-fA-F]{64}$/
/** The manifest's own form of a sha256. */
const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/

/**
 * An info hash (40 hex), or a sha256 as shared hash lists write it (64 hex)
 * or as manifests carry it (43 base64url characters), in its stored form;
 * undefined for anything else.
 */
export function parseRefusalHash (text: string): RefusalHash | undefined {
  if (HEX_40.test(text)) return { kind: 'info_hash', hash: text.toLowerCase() }
  if (HEX_64.test(text)) return { kind: 'sha256', hash: text.toLowerCase() }
  if (BASE64URL_43.test(text)) return { kind: 'sha256', hash: sha256Hex(text) }
  return undefined
}

/** A manifest's base64url sha256 as lowercase hex, the form refusals are kept in. */
export function sha256Hex (base64url: string): string {
  return Buffer.from(base64url, 'base64url').toString('hex')
}
