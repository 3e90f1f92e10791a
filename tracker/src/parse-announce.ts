// Pure validation of an HTTP announce query before it is handed to
// bittorrent-tracker, whose own parser lets bad numbers and unknown events
// through (lib/server/parse-http.js): here they are a 400 instead.

import { binaryToHex, isBinaryString, type Query } from './binary-query.ts'
import { MalformedAnnounceError } from './errors.ts'

export const ANNOUNCE_EVENTS = ['started', 'stopped', 'completed', 'paused', 'update', 'empty'] as const

export type AnnounceEvent = typeof ANNOUNCE_EVENTS[number]

export interface ParsedAnnounce {
  infoHash: string // 40 lowercase hex
  peerId: string // 40 lowercase hex
  port: number
  uploaded: number | null
  downloaded: number | null
  left: number | null
  numwant: number | null
  compact: 0 | 1 | null
  event: AnnounceEvent | null
}

const COUNTER = /^[0-9]{1,20}$/
const SMALL = /^[0-9]{1,6}$/

/** @throws MalformedAnnounceError */
export function parseAnnounce (query: Query): ParsedAnnounce {
  const infoHash = query.info_hash
  if (!isBinaryString(infoHash, 20)) throw new MalformedAnnounceError('info_hash must be 20 bytes, percent-encoded, given once')
  const peerId = query.peer_id
  if (!isBinaryString(peerId, 20)) throw new MalformedAnnounceError('peer_id must be 20 bytes, percent-encoded, given once')

  const port = optionalNumber(query, 'port', SMALL)
  if (port === null || port < 1 || port > 65535) throw new MalformedAnnounceError('port must be an integer from 1 to 65535')

  const compact = optionalNumber(query, 'compact', /^[01]$/)
  return {
    infoHash: binaryToHex(infoHash),
    peerId: binaryToHex(peerId),
    port,
    uploaded: optionalNumber(query, 'uploaded', COUNTER),
    downloaded: optionalNumber(query, 'downloaded', COUNTER),
    left: optionalNumber(query, 'left', COUNTER),
    numwant: optionalNumber(query, 'numwant', SMALL),
    compact: compact === 0 || compact === 1 ? compact : null,
    event: optionalEvent(query)
  }
}

function optionalNumber (query: Query, name: string, shape: RegExp): number | null {
  const value = query[name]
  if (value === undefined) return null
  if (typeof value !== 'string' || !shape.test(value)) {
    throw new MalformedAnnounceError(`${name} must be a non-negative decimal integer, given once`)
  }
  return Number(value)
}

function optionalEvent (query: Query): AnnounceEvent | null {
  const value = query.event
  if (value === undefined || value === '') return null
  const event = ANNOUNCE_EVENTS.find(known => known === value)
  if (event === undefined) throw new MalformedAnnounceError(`event must be one of ${ANNOUNCE_EVENTS.join(', ')}`)
  return event
}
