// The tracker's options, their defaults, and the one place they are checked.

import type { IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import type { AddressedRequest } from './http-handler.ts'
import { DEFAULT_RATE_LIMIT, type AnnounceLimiter, type AnnounceRateLimit } from './announce-limiter.ts'
import { createHandOutFilter, type HandOutFilter, type PeerPolicy, type SwarmPeer } from './peer-policy.ts'
import type { SignalRelay } from './signal-relay.ts'
import type { SwarmStore } from './swarm-store.ts'

export interface TrackerOptions {
  log: Logger
  /** Cap on peers per announce answer (numwant), default 50. bittorrent-tracker caps at 82 on its own. */
  maxPeersPerAnswer?: number
  /** Interval told to HTTP clients, default 120 s. WebSocket clients are told a fifth of it (bittorrent-tracker). */
  announceIntervalSeconds?: number
  /** Token buckets; defaults in announce-limiter.ts `DEFAULT_RATE_LIMIT`. */
  rateLimit?: AnnounceRateLimit
  /** Admin check for GET /stats; return false always to keep it closed. */
  authorizeStats: (req: IncomingMessage) => boolean
  /** Milliseconds, for the rate limits; default Date.now. */
  clock?: () => number
  /** Which peers are handed out (peer-policy.ts); default `all`. */
  peerPolicy?: PeerPolicy
  /**
   * The address a request comes from, for the rate limits and the peer list;
   * default the connection's own. An origin behind a trusted reverse proxy
   * passes one that reads `X-Forwarded-For` the way its HTTP framework does
   * (the nearest untrusted hop), never the leftmost entry a client writes.
   */
  clientAddress?: (req: AddressedRequest) => string
  /** Required with `instances-only`: whether a peer is a registered seeder or the origin (e.g. by the address it announced from). Called per peer per answer: keep it cheap and synchronous. */
  isRegisteredPeer?: (peer: SwarmPeer) => boolean
  /**
   * Told, per accepted announce, the bytes the peer says it uploaded to other
   * peers since its previous one (upload-tally.ts): what the swarm delivered,
   * as peers report it.
   */
  onPeerUpload?: (peerId: string, bytes: number) => void
  /**
   * Where HTTP peers are kept (swarm-store.ts); default in this process's
   * memory, with a peer lifetime of three announce intervals. The tracker
   * closes it on close(). WebSocket peers stay in this process either way.
   */
  swarmStore?: SwarmStore
  /**
   * Shares the WebSocket swarms (members, counts, WebRTC offers and answers)
   * with other origin processes (signal-relay.ts); default none: they stay in
   * this process. The tracker closes it on close().
   */
  signalRelay?: SignalRelay
  /** Where the announce budgets are kept; default this process's memory, with `rateLimit`. Several origin processes share one (redis-announce-limiter.ts). */
  announceLimiter?: AnnounceLimiter
}

export interface ResolvedOptions {
  log: Logger
  maxPeersPerAnswer: number
  announceIntervalSeconds: number
  rateLimit: AnnounceRateLimit
  authorizeStats: (req: IncomingMessage) => boolean
  clock: () => number
  canHandOut: HandOutFilter
  clientAddress: ((req: AddressedRequest) => string) | undefined
  onPeerUpload: ((peerId: string, bytes: number) => void) | undefined
}

const DEFAULT_MAX_PEERS_PER_ANSWER = 50
const DEFAULT_ANNOUNCE_INTERVAL_SECONDS = 120

export function resolveOptions (options: TrackerOptions): ResolvedOptions {
  const resolved = {
    log: options.log,
    maxPeersPerAnswer: options.maxPeersPerAnswer ?? DEFAULT_MAX_PEERS_PER_ANSWER,
    announceIntervalSeconds: options.announceIntervalSeconds ?? DEFAULT_ANNOUNCE_INTERVAL_SECONDS,
    rateLimit: options.rateLimit ?? DEFAULT_RATE_LIMIT,
    authorizeStats: options.authorizeStats,
    clock: options.clock ?? Date.now,
    canHandOut: createHandOutFilter(options.peerPolicy ?? 'all', options.isRegisteredPeer),
    clientAddress: options.clientAddress,
    onPeerUpload: options.onPeerUpload
  }
  if (!Number.isInteger(resolved.maxPeersPerAnswer) || resolved.maxPeersPerAnswer < 0) {
    throw new RangeError('maxPeersPerAnswer must be a non-negative integer')
  }
  if (!Number.isInteger(resolved.announceIntervalSeconds) || resolved.announceIntervalSeconds < 5) {
    throw new RangeError('announceIntervalSeconds must be an integer of at least 5')
  }
  return resolved
}
