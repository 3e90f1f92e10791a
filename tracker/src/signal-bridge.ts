// Joins bittorrent-tracker's WebSocket swarms of this process to the shared
// ones of a signal relay (signal-relay.ts), around the stock announce:
// - the counts of a WebSocket answer are the shared swarm's;
// - offers the local swarm has no peers for go to members connected to other
//   processes, through stand-in sockets whose send() is a relay send;
// - an answer for a peer not connected here is relayed to it;
// - a peer's socket is attached to its relay channel at its first announce,
//   detached when it closes.
// A relay out of reach degrades to this process's peers: signalling between
// peers of one process goes on.

import type { AnnounceParams, AnnounceResponse, Server, SwarmPeerEntry, TrackerWebSocket } from 'bittorrent-tracker'
import { FAILURE_REASONS } from './errors.ts'
import type { HandOutFilter } from './peer-policy.ts'
import type { SignalRelay } from './signal-relay.ts'

export interface SignalBridge {
  /** Runs after the stock announce succeeded; calls `done` with the answer to send. */
  afterAnnounce (params: AnnounceParams, response: AnnounceResponse, done: (err: Error | null, response?: AnnounceResponse) => void): void
  /** Before the stock close handling, while the socket still knows its peer id and swarms. */
  onClose (socket: TrackerWebSocket): void
}

export interface SignalBridgeParts {
  server: Server
  relay: SignalRelay
  canHandOut: HandOutFilter
  onError (err: Error): void
}

const noop = (): void => {}

export function createSignalBridge ({ server, relay, canHandOut, onError }: SignalBridgeParts): SignalBridge {
  const attached = new WeakSet<TrackerWebSocket>()
  const isLocal = (infoHash: string, peerId: string): boolean => server.torrents[infoHash]?.peers.peek(peerId) !== undefined

  /** A peer connected to another process, as the stock server sends offers: to `peer.socket`. */
  const remotePeer = (infoHash: string, peerId: string): SwarmPeerEntry => ({
    type: 'ws',
    complete: false,
    peerId,
    socket: {
      send (message: string) { relay.send(peerId, infoHash, message).catch(onError) },
      onSend: noop
    } as unknown as TrackerWebSocket
  })

  const attach = (socket: TrackerWebSocket, peerId: string): void => {
    if (attached.has(socket)) return
    attached.add(socket)
    relay.attach(peerId, (infoHash, message) => {
      // Only while the socket is still in that swarm here.
      if (socket.destroyed !== true && socket.infoHashes?.includes(infoHash) === true) socket.send(message, socket.onSend)
    })
  }

  return {
    afterAnnounce (params, response, done) {
      const infoHash = params.info_hash
      const peerId = params.peer_id
      if (params.socket !== undefined) attach(params.socket, peerId)
      if (params.answer !== undefined && params.answer !== null) {
        const to = params.to_peer_id
        if (typeof to === 'string' && !isLocal(infoHash, to)) {
          relay.send(to, infoHash, JSON.stringify({
            action: 'announce',
            answer: params.answer,
            offer_id: params.offer_id,
            peer_id: Buffer.from(peerId, 'hex').toString('latin1'),
            info_hash: Buffer.from(infoHash, 'hex').toString('latin1')
          })).catch(onError)
        }
        done(null, response)
        return
      }
      const offers = Array.isArray(params.offers) ? params.offers.length : 0
      const want = Math.max(0, Math.min(offers, params.numwant) - response.peers.length)
      const chosen = new Set(response.peers.map((peer) => peer.peerId))
      // Asked for more than wanted: some of the picks are this process's own peers or the announcer.
      relay.announce(infoHash, peerId, params.left === 0, params.event === 'stopped', want === 0 ? 0 : want + chosen.size + 1).then((shared) => {
        if (shared === null) {
          done(new Error(FAILURE_REASONS.removed))
          return
        }
        const peers = [...response.peers]
        for (const candidate of shared.candidates) {
          if (peers.length - response.peers.length >= want) break
          if (candidate === peerId || chosen.has(candidate) || isLocal(infoHash, candidate)) continue
          const peer = remotePeer(infoHash, candidate)
          if (!canHandOut(peer)) continue
          chosen.add(candidate)
          peers.push(peer)
        }
        done(null, { ...response, complete: shared.complete, incomplete: shared.incomplete, peers })
      }, (err: unknown) => {
        onError(err as Error)
        done(null, response)
      })
    },
    onClose (socket) {
      if (socket.peerId === null || !attached.has(socket)) return
      relay.detach(socket.peerId, socket.infoHashes ?? [])
    }
  }
}
