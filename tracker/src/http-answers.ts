// The bencoded bodies of HTTP announce and scrape answers, as binary (latin1)
// strings. The compact announce answer, by far the most frequent, is laid out
// by hand from the stored compact peers; the rest goes through bencode.

import bencode from 'bencode'
import type { StoredPeer, SwarmCounts } from './swarm-store.ts'

export interface AnnounceAnswer extends SwarmCounts {
  intervalSeconds: number
  peers: readonly StoredPeer[]
  /** BEP 23: `peers` (IPv4) and `peers6` (IPv6, BEP 7) as strings of 6 and 18 bytes per peer; else a list of dictionaries. */
  compact: boolean
}

/** A bencoded body as a binary (latin1) string: Node writes it with the headers in one piece. */
export function encodeAnnounce (answer: AnnounceAnswer): string {
  if (!answer.compact) {
    return Buffer.from(bencode.encode({
      complete: answer.complete,
      incomplete: answer.incomplete,
      interval: answer.intervalSeconds,
      peers: answer.peers.map((peer) => ({ 'peer id': Buffer.from(peer.peerId, 'hex'), ip: peer.ip, port: peer.port }))
    })).toString('latin1')
  }
  let v4 = ''
  let v6 = ''
  for (const peer of answer.peers) {
    if (peer.compact.length === 6) v4 += peer.compact
    else v6 += peer.compact
  }
  // Keys in sorted order, as bencode requires.
  return `d8:completei${answer.complete}e10:incompletei${answer.incomplete}e8:intervali${answer.intervalSeconds}e5:peers${v4.length}:${v4}6:peers6${v6.length}:${v6}e`
}

const failures = new Map<string, string>()

/** `d14:failure reason...e`, the only key, as bittorrent-tracker answers a refusal. */
export function encodeFailure (reason: string): string {
  let body = failures.get(reason)
  if (body === undefined) {
    body = Buffer.from(bencode.encode({ 'failure reason': reason })).toString('latin1')
    failures.set(reason, body)
  }
  return body
}

/** BEP 48: files keyed by the raw 20 bytes of each info hash (40 hex here). */
export function encodeScrape (files: ReadonlyMap<string, SwarmCounts>, intervalSeconds: number): string {
  const byHash = new Map<Uint8Array, { complete: number, incomplete: number, downloaded: number }>()
  // `downloaded` is a lower bound, as in bittorrent-tracker: completions are not counted.
  for (const [infoHash, counts] of files) byHash.set(Buffer.from(infoHash, 'hex'), { ...counts, downloaded: counts.complete })
  return Buffer.from(bencode.encode({ files: byHash, flags: { min_request_interval: intervalSeconds } })).toString('latin1')
}
