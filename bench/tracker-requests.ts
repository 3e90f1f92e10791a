// The announces both trackers are driven with: info hash i is SHA-1 of
// "fedswarm-bench-<i>", peer j of a swarm has its own peer_id and port, and
// every byte of info_hash and peer_id is percent-encoded as clients send it;
// how the fill and the connections are shared between tracker processes; and
// how the load generators' latency percentiles are merged into one.

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

/** One tracker process's part of the fill: `amount` announces, each naming a swarm and one of its peers. */
export interface FillShare {
  amount: number
  next (): { swarm: number, peer: number }
}

/**
 * The fill split between `processes` tracker processes on one store: peer j
 * of every swarm announces to process j % processes, swarm after swarm. Every
 * peer announces once, and every swarm of more than one peer gets peers
 * through more than one process, so each process's answers list peers
 * announced to another.
 */
export function fillShares (swarms: number, peersPerSwarm: number, processes: number): FillShare[] {
  return Array.from({ length: processes }, (_, p): FillShare => {
    // The peers j < peersPerSwarm with j % processes === p.
    const peers = Math.max(0, Math.ceil((peersPerSwarm - p) / processes))
    let k = 0
    return {
      amount: swarms * peers,
      next () {
        const i = k++
        // Past `amount` (were autocannon to ask for more than it sends) it wraps around: a re-announce.
        return { swarm: i % swarms, peer: p + processes * (Math.floor(i / swarms) % Math.max(1, peers)) }
      }
    }
  })
}

/** `total` connections dealt out to `parts` load generators as evenly as whole numbers allow, each at least one. */
export function splitConnections (total: number, parts: number): number[] {
  if (!Number.isInteger(total) || !Number.isInteger(parts) || parts < 1 || total < parts) throw new Error(`cannot split ${total} connections between ${parts} load generators`)
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0))
}

/** One load generator's latency: its requests, and the values at evenly spaced percentiles from 0 to 100 % (wrk's, 1001 of them). */
export interface RunPercentiles {
  requests: number
  percentiles: number[]
}

/**
 * Quantile `q` (0 to 1) over every request of all runs: each run's
 * percentile values stand for its requests in equal shares, so the merged
 * quantile is the smallest value v where the request-weighted fraction of
 * all runs' values <= v reaches q. A run of no requests counts for nothing;
 * no requests at all: 0.
 */
export function mergedQuantile (runs: readonly RunPercentiles[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile ${q} is not between 0 and 1`)
  const weighted: Array<{ value: number, weight: number }> = []
  let total = 0
  for (const run of runs) {
    if (run.requests <= 0 || run.percentiles.length === 0) continue
    total += run.requests
    const weight = run.requests / run.percentiles.length
    for (const value of run.percentiles) weighted.push({ value, weight })
  }
  if (total === 0) return 0
  weighted.sort((a, b) => a.value - b.value)
  // Summed weights carry rounding errors: reaching q within a billionth counts.
  const goal = q * total * (1 - 1e-9)
  let sum = 0
  for (const { value, weight } of weighted) {
    sum += weight
    if (sum >= goal) return value
  }
  return weighted[weighted.length - 1]!.value
}
