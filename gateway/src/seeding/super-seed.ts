import type { Torrent, Wire } from 'webtorrent'
import { SUPER_SEED_HANDSHAKE_KEY } from '@fedswarm/peer'

/**
 * Pieces offered to one peer at a time. One: at the publish the origin's
 * link then carries one piece per peer at once, not two, so the first pieces
 * are whole, and passed on by the peers, twice as soon. Storm of twenty
 * seeders on network namespaces, origin 40 / peers 16 Mbit/s, warm, four
 * runs each: slowest 5.36-5.5 s with one, 5.57-5.72 s with two.
 */
const OFFERS_PER_PEER = 1
/** A peer that announced nothing for this long while lacking pieces is offered pieces other peers hold too. */
const STALLED_AFTER_MS = 3_000

export interface SuperSeedOptions {
  /** Tests shorten it (default STALLED_AFTER_MS). */
  stalledAfterMs?: number
}

/**
 * Seeding after BEP 16 ("super-seeding"): the origin shows each peer only
 * a couple of pieces, ones that no connected peer holds or is being sent,
 * and offers the next as the peer announces it has one. Peers trade the
 * rest among themselves, so the origin sends each piece about once instead
 * of once per peer, and stays quiet once the swarm holds a full copy.
 *
 * Unlike BEP 16 the origin never falls back to showing everything: its
 * upload is what Fedswarm exists to save. No peer is stranded by this: a
 * peer that lacks pieces and has announced nothing for STALLED_AFTER_MS
 * (it cannot reach the peers that hold them) is offered the rarest pieces
 * it lacks even if others hold them.
 *
 * webtorrent has no super-seeding of its own; this takes over the one
 * message it sends a new peer about our pieces (`haveAll` or `bitfield`,
 * lib/torrent.js `_onWireWithMetadata`), which it sends right after the
 * 'wire' event. Requests are still served by webtorrent for any piece.
 *
 * It relies on peers announcing every piece they get, also one it has
 * shown them: a peer running Fedswarm's webtorrent announces a piece only
 * to peers that lack it, except to one whose extended handshake (BEP 10)
 * says `SUPER_SEED_HANDSHAKE_KEY: 1`, which the origin sends to every peer.
 */
export function superSeed (torrent: Torrent, options: SuperSeedOptions = {}): void {
  const stalledAfterMs = options.stalledAfterMs ?? STALLED_AFTER_MS
  // Sized at the first peer: a torrent added from its file knows its pieces by then.
  let count = -1
  /** Per piece: connected peers that announced it, plus peers it is offered to and not yet announced by. */
  let present = new Uint32Array(0)
  /** Per piece: offers made so far, to break ties between equally rare pieces. */
  let offered = new Uint32Array(0)

  torrent.on('wire', (wire: Wire) => {
    if (wire.type === 'webSeed') return
    // Sent after the 'wire' event, like ut_metadata's `metadata_size`.
    wire.extendedHandshake[SUPER_SEED_HANDSHAKE_KEY] = 1
    if (count === -1) {
      count = torrent.pieces.length
      present = new Uint32Array(count)
      offered = new Uint32Array(count)
    }
    /** Offered to this peer, not yet announced by it. */
    const pending = new Set<number>()
    /** Announced by this peer. */
    const announced = new Uint8Array(count)
    let missing = count
    let started = false
    let stallTimer: NodeJS.Timeout | undefined

    const offerMore = (evenIfPresent: boolean): void => {
      clearTimeout(stallTimer)
      if (!started || wire.destroyed) return
      while (pending.size < OFFERS_PER_PEER) {
        let best = -1
        for (let i = 0; i < count; i++) {
          if (pending.has(i) || announced[i] === 1 || (present[i]! > 0 && !evenIfPresent)) continue
          if (best === -1 || present[i]! < present[best]! || (present[i] === present[best] && offered[i]! < offered[best]!)) best = i
        }
        if (best === -1) break
        pending.add(best)
        present[best]!++
        offered[best]!++
        wire.have(best)
      }
      if (pending.size === 0 && missing > 0) {
        stallTimer = setTimeout(() => offerMore(true), stalledAfterMs)
        stallTimer.unref()
      }
    }
    const hold = (index: number): void => {
      if (index < 0 || index >= count || announced[index] === 1) return
      announced[index] = 1
      missing--
      // An offered piece is already counted as present.
      if (!pending.delete(index)) present[index]!++
    }
    const start = (): void => {
      if (started) return
      started = true
      if (wire.hasFast) wire.haveNone()
      else sendBitfield(new Uint8Array(Math.ceil(count / 8)))
      offerMore(false)
    }
    // Replace, for this peer only, the announcement webtorrent is about to make.
    const sendBitfield = wire.bitfield.bind(wire)
    wire.haveAll = start
    wire.bitfield = start
    wire.on('have', (index: number) => {
      hold(index)
      offerMore(false)
    })
    const holdAnnounced = (): void => {
      for (let i = 0; i < count; i++) if (wire.peerPieces.get(i)) hold(i)
      offerMore(false)
    }
    wire.on('bitfield', holdAnnounced)
    wire.on('have-all', holdAnnounced)
    wire.once('close', () => {
      clearTimeout(stallTimer)
      for (let i = 0; i < count; i++) if (announced[i] === 1 || pending.has(i)) present[i]!--
    })
  })
}
