// WebRTC signalling across origin processes. bittorrent-tracker's WebSocket
// side keeps each swarm's peers (and their sockets) in the process they are
// connected to; a signal relay makes those swarms one: every WebSocket peer
// is also a member of a shared swarm (counts, and the choice of peers to offer
// to), and an offer or answer for a peer connected elsewhere is delivered to
// the process that holds its socket. redis-signal-relay.ts is the one
// implementation (Redis sets and pub/sub); without a relay the WebSocket
// swarms stay in this process, as they do with one origin process.

import type { SwarmCounts } from './swarm-store.ts'

export interface SharedWebSocketSwarm {
  complete: number
  incomplete: number
  /** Peer ids (40 hex) of the swarm's members in random order, this process's own among them. */
  candidates: string[]
}

export interface SignalRelay {
  /**
   * Records the peer as a member of the shared swarm (refreshing its
   * lifetime), or takes it out when stopped, then counts the swarm and, when
   * `want` > 0, picks up to about that many members. Null when the swarm was
   * removed. Rejects when the relay cannot be reached.
   */
  announce (infoHash: string, peerId: string, complete: boolean, stopped: boolean, want: number): Promise<SharedWebSocketSwarm | null>
  /** Counts of the shared swarms' live members; info hashes without any are left out. Rejects when the relay cannot be reached. */
  counts (infoHashes: readonly string[]): Promise<Map<string, SwarmCounts>>
  /** Hands `message` (JSON text) to the socket of `peerId` in whichever process holds it; false when none does. */
  send (peerId: string, infoHash: string, message: string): Promise<boolean>
  /** This process holds the socket of `peerId`: messages sent to it come to `deliver`. */
  attach (peerId: string, deliver: (infoHash: string, message: string) => void): void
  /** The socket of `peerId` is closed: no more deliveries, and it leaves these swarms. */
  detach (peerId: string, infoHashes: readonly string[]): void
  /** Drops the shared swarm and refuses members for a peer lifetime. */
  removeSwarm (infoHash: string): Promise<void>
  /** Frees what the relay holds in this process (its subscriber connection). Idempotent. */
  close (): Promise<void>
}
