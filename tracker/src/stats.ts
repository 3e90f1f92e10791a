// Tracker counters and the stats snapshot. Peers are summed from each swarm's
// own complete / incomplete counters: one step per swarm, never per peer
// (bittorrent-tracker's /stats page walks every peer of every swarm).

import type { Swarm } from 'bittorrent-tracker'

export interface RefusalCounts {
  /** Announces for an info hash never allowed. */
  unregistered: number
  /** Announces for an info hash removed from the allowlist. */
  removed: number
  /** Announces over a rate limit. */
  rateLimited: number
  /** HTTP announces and scrapes answered 400, WebSocket messages refused unread. */
  malformed: number
  /** HTTP announces and scrapes answered with a failure because the swarm store could not be reached. */
  unavailable: number
}

export interface Counters {
  /** Announces let through to a swarm (WebRTC answers relayed are not counted). */
  announces: number
  refused: RefusalCounts
}

export interface TrackerStats {
  swarms: number
  allowed: number
  peers: number
  seeders: number
  leechers: number
  announces: number
  refused: RefusalCounts
}

export function createCounters (): Counters {
  return { announces: 0, refused: { unregistered: 0, removed: 0, rateLimited: 0, malformed: 0, unavailable: 0 } }
}

export function collectStats (torrents: Record<string, Swarm>, allowed: number, counters: Counters): TrackerStats {
  let swarms = 0
  let seeders = 0
  let leechers = 0
  for (const swarm of Object.values(torrents)) {
    swarms += 1
    seeders += swarm.complete
    leechers += swarm.incomplete
  }
  return {
    swarms,
    allowed,
    peers: seeders + leechers,
    seeders,
    leechers,
    announces: counters.announces,
    refused: { ...counters.refused }
  }
}
