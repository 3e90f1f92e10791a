// Which peers of a swarm the tracker may hand out in announce answers (HTTP
// peer lists, and the WebSocket peers that receive an announcer's WebRTC
// offers). Pure: the caller says which peers are registered seeders.
//
// - `all`: every peer, like any BitTorrent tracker, except peers that asked
//   not to be handed out (below).
// - `instances-only`: only registered seeders and the origin itself: a client
//   is never given another client's address, and a client's WebRTC offer
//   (which carries its addresses) only reaches registered peers.
//
// In both modes a peer whose peer id starts with `-FN` (what @fedswarm/client
// uses when it does not share) is never handed out: it downloads but is not
// offered to anyone. Trusting that prefix is safe: it only ever hides the
// peer that sends it.

export type PeerPolicy = 'all' | 'instances-only'

export const PEER_POLICIES: readonly PeerPolicy[] = ['all', 'instances-only']

/** A peer as bittorrent-tracker keeps it in a swarm. */
export interface SwarmPeer {
  /** The address the announce came from (not a value the peer chose). */
  ip?: string
  port?: number
  /** 40 lowercase hex. */
  peerId: string
  type: 'http' | 'udp' | 'ws'
}

/** Peer id prefix (ASCII `-FN`) of peers that ask not to be handed out. */
export const NO_SHARE_PEER_ID_PREFIX = '-FN'
const NO_SHARE_HEX = Buffer.from(NO_SHARE_PEER_ID_PREFIX, 'latin1').toString('hex')

export function asksNotToBeHandedOut (peerIdHex: string): boolean {
  return peerIdHex.startsWith(NO_SHARE_HEX)
}

export type HandOutFilter = (peer: SwarmPeer) => boolean

export function createHandOutFilter (policy: PeerPolicy, isRegisteredPeer: ((peer: SwarmPeer) => boolean) | undefined): HandOutFilter {
  if (policy === 'all') return (peer) => !asksNotToBeHandedOut(peer.peerId)
  if (isRegisteredPeer === undefined) throw new RangeError('peerPolicy "instances-only" needs isRegisteredPeer')
  return (peer) => !asksNotToBeHandedOut(peer.peerId) && isRegisteredPeer(peer)
}
