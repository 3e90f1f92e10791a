// BitTorrent queries carry raw bytes (info_hash, peer_id) percent-encoded, not
// UTF-8. Decode them the way bittorrent-tracker does (querystring with
// `unescape`, lib/common-node.js `querystringParse`) so that what passes here
// is exactly what its parser accepts.

import querystring from 'node:querystring'

export type Query = querystring.ParsedUrlQuery

export function parseBinaryQuery (search: string): Query {
  return querystring.parse(search, '&', '=', { decodeURIComponent: unescape })
}

/** The query part of a request URL, without '?'. */
export function searchOf (url: string): string {
  const at = url.indexOf('?')
  return at === -1 ? '' : url.slice(at + 1)
}

/** The path of a request URL. */
export function pathnameOf (url: string): string {
  const at = url.indexOf('?')
  return at === -1 ? url : url.slice(0, at)
}

/** The paths the tracker answers over HTTP. */
export const TRACKER_PATHS: ReadonlySet<string> = new Set(['/announce', '/scrape', '/stats'])

/** Whether a request URL is the tracker's (GET /announce, /scrape, /stats, any query). */
export function isTrackerPath (url: string): boolean {
  return TRACKER_PATHS.has(pathnameOf(url))
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
