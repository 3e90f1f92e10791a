// SHA-256 with Web Crypto (native and off the main thread in browsers and
// Node alike), written as the manifest's `sha256`.

import { sha256Base64url as encodeDigest } from '@fedswarm/protocol'

export async function sha256Base64url (bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)
  return encodeDigest(new Uint8Array(digest))
}
