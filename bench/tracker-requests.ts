// The announces both trackers are driven with: info hash i is SHA-1 of
// "fedswarm-bench-<i>", peer j of a swarm has its own peer_id and port, and
// every byte of info_hash and peer_id is percent-encoded as clients send it.

import { createHash } from 'node:crypto'

export function infoHashHex (i: number): string {
  return createHash('sha1').update(`fedswarm-bench-${i}`).digest('hex')
}

function percentEncode (bytes: Buffer): string {
  let out = ''
  for (const byte of bytes) out += `%${byte.toString(16).padStart(2, '0').toUpperCase()}`
  return out
}

/** Announce paths: pre-encoded info hashes, peer ids made per call. */
export interface AnnouncePaths {
  /** Peer `peer` of swarm `swarm`: the same peer_id and port each time, so a second call is a re-announce. */
  path (swarm: number, peer: number): string
}

export function announcePaths (swarms: number): AnnouncePaths {
  const hashes = Array.from({ length: swarms }, (_, i) => percentEncode(Buffer.from(infoHashHex(i), 'hex')))
  return {
    path (swarm, peer) {
      // 20 bytes: "-BN0001-" and 12 digits naming the swarm and the peer.
      const peerId = `-BN0001-${String(swarm).padStart(7, '0')}${String(peer).padStart(5, '0')}`
      // Half the peers are complete (left=0), half are still downloading.
      const left = peer % 2 === 0 ? 0 : 1_000_000
      return `/announce?info_hash=${hashes[swarm]}&peer_id=${peerId}&port=${10_000 + peer}&uploaded=0&downloaded=0&left=${left}&compact=1&numwant=50`
    }
  }
}
