// Tracker counters and the stats snapshot (summed in tracker.ts from the
// swarm store's totals and each WebSocket swarm's own counters).

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

