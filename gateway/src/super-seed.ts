import type { Torrent, Wire } from 'webtorrent'

/** Pieces offered to one peer at a time: enough to keep its pipeline full. */
const OFFERS_PER_PEER = 4

/**
 * Initial seeding after BEP 16 ("super-seeding"): the origin shows each peer
 * only a few pieces, the ones least handed out so far, and offers more as
 * the peer announces it has them. Peers then trade the rest among
 * themselves, so the origin sends each piece about once instead of once per
 * peer. When every piece has been announced by some peer, the origin shows
 * everything, as an ordinary seed, so no peer can be stranded.
 *
 * webtorrent has no super-seeding of its own; this takes over the one
 * message it sends a new peer about our pieces (`haveAll` or `bitfield`,
 * lib/torrent.js `_onWireWithMetadata`), which it sends right after the
 * 'wire' event. Requests are still served by webtorrent for any piece.
 */
export function superSeed (torrent: Torrent): void {
  // Sized at the first peer: a torrent added from its file knows its pieces by then.
  let count = -1
  let offered = new Uint32Array(0)
  let seen = new Uint8Array(0)
  let unseen = 0
  const open = new Set<{ wire: Wire, revealAll (): void }>()

  const markSeen = (index: number): void => {
    if (index < 0 || index >= count || seen[index] === 1) return
    seen[index] = 1
    unseen--
    if (unseen === 0) for (const peer of open) peer.revealAll()
  }

  torrent.on('wire', (wire: Wire) => {
    if (wire.type === 'webSeed') return
    if (count === -1) {
      count = unseen = torrent.pieces.length
      offered = new Uint32Array(count)
      seen = new Uint8Array(count)
    }
    const pending = new Set<number>()
    let started = false
    let revealed = false

    const sendAll = (): void => {
      for (let i = 0; i < count; i++) if (!wire.peerPieces.get(i) && !pending.has(i)) wire.have(i)
    }
    const offerMore = (): void => {
      if (revealed || wire.destroyed) return
      while (pending.size < OFFERS_PER_PEER) {
        let best = -1
        for (let i = 0; i < count; i++) {
          if (pending.has(i) || wire.peerPieces.get(i)) continue
          if (best === -1 || seen[i]! < seen[best]! || (seen[i] === seen[best] && offered[i]! < offered[best]!)) best = i
        }
        if (best === -1) return
        pending.add(best)
        offered[best]!++
        wire.have(best)
      }
    }
    const peer = {
      wire,
      revealAll () {
        if (revealed || !started || wire.destroyed) return
        revealed = true
        sendAll()
      }
    }
    const start = (): void => {
      if (started) return
      started = true
      if (unseen === 0) {
        revealed = true
        if (wire.hasFast) wire.haveNone()
        else wire.sendBitfield(new Uint8Array(Math.ceil(count / 8)))
        sendAll()
        return
      }
      if (wire.hasFast) wire.haveNone()
      else wire.sendBitfield(new Uint8Array(Math.ceil(count / 8)))
      offerMore()
    }
    // Replace, for this peer only, the announcement webtorrent is about to make.
    wire.sendBitfield = wire.bitfield.bind(wire)
    wire.haveAll = start
    wire.bitfield = start
    wire.on('have', (index: number) => {
      markSeen(index)
      pending.delete(index)
      offerMore()
    })
    wire.on('bitfield', () => {
      for (let i = 0; i < count; i++) if (wire.peerPieces.get(i)) markSeen(i)
      offerMore()
    })
    open.add(peer)
    wire.once('close', () => open.delete(peer))
  })
}
