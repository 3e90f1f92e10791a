// BitTorrent queries carry raw bytes (info_hash, peer_id) percent-encoded, not
// UTF-8. Decoded the way bittorrent-tracker decodes them (querystring with
// `unescape`, lib/common-node.js `querystringParse`: `+` is a space, then
// `unescape`), so that what passes here is what any tracker would read; by
// hand, because every announce goes through here and querystring's general
// parse costs several times more.

export type Query = Record<string, string | string[]>

function decode (raw: string): string {
  const text = raw.includes('+') ? raw.replaceAll('+', ' ') : raw
  return text.includes('%') ? unescape(text) : text
}

export function parseBinaryQuery (search: string): Query {
  const query: Query = Object.create(null) as Query
  let at = 0
  while (at <= search.length) {
    let end = search.indexOf('&', at)
    if (end === -1) end = search.length
    if (end > at) {
      const eq = search.indexOf('=', at)
      const split = eq === -1 || eq > end ? end : eq
      const key = decode(search.slice(at, split))
      const value = split === end ? '' : decode(search.slice(split + 1, end))
      const known = query[key]
      if (known === undefined) query[key] = value
      else if (typeof known === 'string') query[key] = [known, value]
      else known.push(value)
    }
    at = end + 1
  }
  return query
}

/** True for a string of exactly `length` bytes as decoded by `unescape`. */
export function isBinaryString (value: unknown, length: number): value is string {
  if (typeof value !== 'string' || value.length !== length) return false
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0xff) return false
  }
  return true
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/** The bytes of a binary string (every character at most 0xff) as lowercase hex. */
export function binaryToHex (value: string): string {
  let hex = ''
  for (let i = 0; i < value.length; i++) hex += HEX[value.charCodeAt(i)]!
  return hex
}
