import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import type { Torrent, Wire } from 'webtorrent'
import { superSeed } from '../src/seeding/super-seed.ts'

/** Just what superSeed reads and calls of a webtorrent wire: the offers it makes are recorded. */
class FakeWire extends EventEmitter {
  readonly type = 'tcpOutgoing'
  readonly hasFast = true
  destroyed = false
  readonly offers: number[] = []
  readonly owned = new Set<number>()
  readonly peerPieces = { get: (index: number): boolean => this.owned.has(index) }
  readonly extendedHandshake: Record<string, unknown> = {}
  have (index: number): void { this.offers.push(index); this.emit('offered', index) }
  haveNone (): void {}
  haveAll (): void {}
  bitfield (): void {}
  /** The peer announces a piece, as bittorrent-protocol reports it. */
  announce (index: number): void { this.owned.add(index); this.emit('have', index) }
  close (): void { this.destroyed = true; this.emit('close') }
}

function torrentOf (pieces: number): Torrent {
  return Object.assign(new EventEmitter(), { pieces: new Array<null>(pieces).fill(null) }) as unknown as Torrent
}

/** A peer connects: webtorrent emits 'wire', then announces our pieces with haveAll. */
function connect (torrent: Torrent): FakeWire {
  const wire = new FakeWire()
  torrent.emit('wire', wire as unknown as Wire)
  wire.haveAll()
  return wire
}

describe('super-seeding', function () {
  it('offers each peer one piece no other peer holds or is offered', function () {
    const torrent = torrentOf(8)
    superSeed(torrent, { stalledAfterMs: 60_000 })
    const peers = [connect(torrent), connect(torrent), connect(torrent), connect(torrent)]
    const offered = peers.flatMap((p) => p.offers)
    assert.deepEqual(peers.map((p) => p.offers.length), [1, 1, 1, 1])
    assert.equal(new Set(offered).size, 4, `offers overlap: ${offered.join(',')}`)
    for (const peer of peers) peer.close()
  })

  it('tells every peer in its extended handshake that it super-seeds, so that peers announce to it what it offered', function () {
    const torrent = torrentOf(2)
    superSeed(torrent)
    const peer = connect(torrent)
    assert.equal(peer.extendedHandshake.fedswarm_super_seed, 1)
    peer.close()
  })

  it('offers the next missing piece when a peer announces one, and nothing once the swarm holds every piece', function () {
    const torrent = torrentOf(3)
    superSeed(torrent, { stalledAfterMs: 60_000 })
    const a = connect(torrent)
    const b = connect(torrent)
    assert.deepEqual([...a.offers, ...b.offers].sort(), [0, 1])
    a.announce(a.offers[0]!)
    assert.deepEqual(a.offers, [0, 2])
    // Every piece is held or on its way to someone: the origin stays quiet, peers trade the rest.
    b.announce(b.offers[0]!)
    assert.deepEqual(b.offers, [1])
    const c = connect(torrent)
    assert.deepEqual(c.offers, [])
    for (const peer of [a, b, c]) peer.close()
  })

  it('offers a stalled peer the rarest pieces it lacks even if other peers hold them', async function () {
    const torrent = torrentOf(3)
    superSeed(torrent, { stalledAfterMs: 50 })
    const a = connect(torrent)
    const b = connect(torrent)
    for (const index of [...a.offers]) a.announce(index)
    for (const index of [...b.offers]) b.announce(index)
    const c = connect(torrent)
    assert.deepEqual(c.offers, [])
    const [first] = await Promise.race([
      once(c, 'offered'),
      new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('no offer to the stalled peer within 5 s')), 5000).unref())
    ]) as [number]
    assert.ok(first >= 0 && first < 3)
    for (const peer of [a, b, c]) peer.close()
  })

  it('counts a closed peer\'s pieces out, so they are offered again', function () {
    const torrent = torrentOf(2)
    superSeed(torrent, { stalledAfterMs: 60_000 })
    const a = connect(torrent)
    assert.deepEqual(a.offers, [0])
    a.announce(0)
    assert.deepEqual(a.offers, [0, 1])
    a.announce(1)
    a.close()
    const b = connect(torrent)
    assert.deepEqual(b.offers, [0])
    b.close()
  })
})
