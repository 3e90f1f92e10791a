// BitTorrent queries carry raw bytes (info_hash, peer_id) percent-encoded, not
// UTF-8. Decode them the way bittorrent-tracker does (querystring with
// `unescape`, lib/common-node.js `querystringParse`) so that what passes here
// is exactly what its parser accepts.

import querystring from 'node:querystring'

export type Query = querystring.ParsedUrlQuery

export function parseBinaryQuery (search: string): Query {
  return querystring.parse(search, '&', '=', { decodeURIComponent: unescape })
}

/** True for a string of exactly `length` bytes as decoded by `unescape`. */
export function isBinaryString (value: unknown, length: number): value is string {
  if (typeof value !== 'string' || value.length !== length) return false
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0xff) return false
  }
  return true
}

export function binaryToHex (value: string): string {
  return Buffer.from(value, 'latin1').toString('hex')
}
