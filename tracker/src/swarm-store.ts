// The swarm store: the HTTP peers of every swarm, behind one async interface
// with two implementations — memory-swarm-store.ts (one process, the default)
// and redis-swarm-store.ts (several origin processes forming one swarm). The
// contract test suite (test/swarm-store-contract.ts) runs on both.
//
// A peer is keyed by the address it announced from (ip and port), as
// bittorrent-tracker keys HTTP peers: a peer id is public (other peers see it),
// so keying by it would let anyone overwrite another peer's address.

import type { SwarmPeer } from './peer-policy.ts'

/** A peer as a swarm store hands it back: what an announce answer needs. */
export interface StoredPeer extends SwarmPeer {
  ip: string
  port: number
  type: 'http'
  complete: boolean
  /** BEP 23 compact form, one latin1 character per byte: 4 address bytes and 2 port bytes for IPv4, 16 and 2 for IPv6 (compact-peer.ts). */
  compact: string
}

export interface PeerAnnounce {
  /** 40 lowercase hex. */
  infoHash: string
  /** 40 lowercase hex. */
  peerId: string
  /** The address the announce came from: IPv4 dotted or IPv6, never IPv4-mapped. */
  ip: string
  port: number
  /** `left` was 0: a seeder. */
  complete: boolean
  /** Takes the peer out of the swarm instead of putting it in (or refreshing it). */
  stopped: boolean
}

export interface PeerChoice {
  /** At most this many peers, never the announcer itself. */
  numwant: number
  /** Only peers this accepts (peer-policy.ts). Called per candidate: cheap and synchronous. */
  canHandOut: (peer: StoredPeer) => boolean
}

export interface SwarmCounts {
  complete: number
  incomplete: number
}

/** The counts of every swarm named that has a peer (a scrape's answer), each counted by `count`, all at once. */
export async function countSwarms (infoHashes: readonly string[], count: (infoHash: string) => Promise<[number, number]>): Promise<Map<string, SwarmCounts>> {
  const counts = await Promise.all(infoHashes.map(count))
  const out = new Map<string, SwarmCounts>()
  infoHashes.forEach((infoHash, i) => {
    const [complete, incomplete] = counts[i]!
    if (complete + incomplete > 0) out.set(infoHash, { complete, incomplete })
  })
  return out
}

export interface AnnounceResult extends SwarmCounts {
  /** A random choice among the swarm's live peers. */
  peers: StoredPeer[]
}

export interface SwarmTotals {
  swarms: number
  seeders: number
  leechers: number
}

export interface SwarmStore {
  /**
   * Puts the peer in its swarm (or refreshes it, or takes it out when
   * stopped), then counts the swarm and chooses peers for the answer, in one
   * step. Null when the swarm was removed (`removeSwarm`) since: the peer was
   * not stored. A store in this process answers at once (no promise, no
   * microtask: announces are the tracker's hot path); a shared one resolves
   * later, and rejects when it cannot be reached.
   */
  announce (announce: PeerAnnounce, choice: PeerChoice): AnnounceResult | null | Promise<AnnounceResult | null>
  /** Counts of live peers; info hashes without any are left out. */
  scrape (infoHashes: readonly string[]): Promise<Map<string, SwarmCounts>>
  /**
   * Drops the swarm with every peer at once, and refuses to store peers for
   * it for at least a peer lifetime (an announce already on its way, here or
   * in another process, must not bring it back).
   */
  removeSwarm (infoHash: string): Promise<void>
  /** Swarms with live peers, and their peers: a walk over every swarm, for /stats and metrics. */
  totals (): Promise<SwarmTotals>
  /** Frees what the store holds in this process (timers, its own connection). Idempotent. */
  close (): Promise<void>
}

/** Options both implementations take. */
export interface SwarmStoreOptions {
  /** A peer not heard from for this long (ms) is gone; default 360 s (three announce intervals of 120 s). */
  peerTtlMs?: number
}

export const DEFAULT_PEER_TTL_MS = 360_000
