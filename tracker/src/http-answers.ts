// The bencoded bodies of HTTP announce and scrape answers. The compact
// announce answer, by far the most frequent, is laid out by hand from the
// stored compact peers; the rest goes through bencode.

import bencode from 'bencode'
import type { StoredPeer, SwarmCounts } from './swarm-store.ts'

export interface AnnounceAnswer extends SwarmCounts {
  intervalSeconds: number
  peers: readonly StoredPeer[]
  /** BEP 23: `peers` (IPv4) and `peers6` (IPv6, BEP 7) as strings of 6 and 18 bytes per peer; else a list of dictionaries. */
  compact: boolean
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1')

export function encodeAnnounce (answer: AnnounceAnswer): Buffer {
  if (!answer.compact) {
    return Buffer.from(bencode.encode({
      complete: answer.complete,
      incomplete: answer.incomplete,
      interval: answer.intervalSeconds,
      peers: answer.peers.map((peer) => ({ 'peer id': Buffer.from(peer.peerId, 'hex'), ip: peer.ip, port: peer.port }))
    }))
  }
  let v4 = 0
  let v6 = 0
  for (const peer of answer.peers) {
    if (peer.compact.length === 6) v4 += 6
    else v6 += 18
  }
  // Keys in sorted order, as bencode requires.
  const head = ascii(`d8:completei${answer.complete}e10:incompletei${answer.incomplete}e8:intervali${answer.intervalSeconds}e5:peers${v4}:`)
  const middle = ascii(`6:peers6${v6}:`)
  const out = Buffer.allocUnsafe(head.length + v4 + middle.length + v6 + 1)
  head.copy(out, 0)
  let at4 = head.length
  let at6 = at4 + v4 + middle.length
  middle.copy(out, at4 + v4)
  for (const peer of answer.peers) {
    if (peer.compact.length === 6) {
      out.set(peer.compact, at4)
      at4 += 6
    } else {
      out.set(peer.compact, at6)
      at6 += 18
    }
  }
  out[at6] = 0x65 // 'e'
  return out
}

const failures = new Map<string, Buffer>()

/** `d14:failure reason...e`, the only key, as bittorrent-tracker answers a refusal. */
export function encodeFailure (reason: string): Buffer {
  let body = failures.get(reason)
  if (body === undefined) {
    body = Buffer.from(bencode.encode({ 'failure reason': reason }))
    failures.set(reason, body)
  }
  return body
}

/** BEP 48: files keyed by the raw 20 bytes of each info hash (40 hex here). */
export function encodeScrape (files: ReadonlyMap<string, SwarmCounts>, intervalSeconds: number): Buffer {
  const byHash = new Map<Uint8Array, { complete: number, incomplete: number, downloaded: number }>()
  // `downloaded` is a lower bound, as in bittorrent-tracker: completions are not counted.
  for (const [infoHash, counts] of files) byHash.set(Buffer.from(infoHash, 'hex'), { ...counts, downloaded: counts.complete })
  return Buffer.from(bencode.encode({ files: byHash, flags: { min_request_interval: intervalSeconds } }))
}
