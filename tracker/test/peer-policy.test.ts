import assert from 'node:assert/strict'
import pino from 'pino'
import { NO_SHARE_PEER_ID_PREFIX, startRegisteredAddresses } from '../src/index.ts'
import { announce, binary, compactPeers, hexId, openWs, startTracker, type TestTracker, type WsPeer } from './helpers.ts'

/** A 40-hex peer id starting with the ASCII `prefix`. */
function peerIdWith (prefix: string, n: number): string {
  const head = Buffer.from(prefix, 'latin1').toString('hex')
  return (head + n.toString(16).padStart(8, '0')).padEnd(40, 'e0').slice(0, 40)
}

describe('tracker peer hand-out policy', () => {
  let t: TestTracker
  const allowed = hexId(1)
  const open: WsPeer[] = []
  // Seeders are told apart by peer id here; the origin tells them apart by address (registered-addresses.ts).
  const seederId = (n: number): string => hexId(n, 'bb')
  const clientId = (n: number): string => hexId(n, 'aa')

  afterEach(async () => {
    for (const peer of open.splice(0)) peer.close()
    await t.close()
  })

  it('all: hands out every peer except those that asked not to be', async () => {
    t = await startTracker()
    t.tracker.allow(allowed)
    await announce(t.base, { infoHash: allowed, peerId: seederId(1), port: 7001, left: 0, event: 'started' })
    await announce(t.base, { infoHash: allowed, peerId: clientId(2), port: 7002, event: 'started' })
    await announce(t.base, { infoHash: allowed, peerId: peerIdWith(NO_SHARE_PEER_ID_PREFIX, 3), port: 7003, event: 'started' })
    const answer = await announce(t.base, { infoHash: allowed, peerId: clientId(4), port: 7004, event: 'started' })
    // The no-share peer is left out, and so is the announcer itself.
    assert.deepEqual(compactPeers(answer).sort(), ['127.0.0.1:7001', '127.0.0.1:7002'])
    assert.equal(answer.incomplete, 3) // still counted in the swarm
  })

  it('instances-only: a client is given registered peers only, never another client', async () => {
    t = await startTracker({ peerPolicy: 'instances-only', isRegisteredPeer: (peer) => peer.peerId.startsWith('bb') })
    t.tracker.allow(allowed)
    await announce(t.base, { infoHash: allowed, peerId: seederId(1), port: 7001, left: 0, event: 'started' })
    await announce(t.base, { infoHash: allowed, peerId: seederId(2), port: 7002, left: 0, event: 'started' })
    await announce(t.base, { infoHash: allowed, peerId: clientId(3), port: 7003, event: 'started' })
    const answer = await announce(t.base, { infoHash: allowed, peerId: clientId(4), port: 7004, event: 'started' })
    assert.deepEqual(compactPeers(answer).sort(), ['127.0.0.1:7001', '127.0.0.1:7002'])
    const limited = await announce(t.base, { infoHash: allowed, peerId: clientId(5), port: 7005, numwant: 1 })
    assert.equal(compactPeers(limited).length, 1)
    // A seeder is not given clients either: it learns a client's address only when that client connects.
    const toSeeder = await announce(t.base, { infoHash: allowed, peerId: seederId(1), port: 7001, left: 0 })
    assert.deepEqual(compactPeers(toSeeder).sort(), ['127.0.0.1:7002'])
  })

  it('instances-only: WebRTC offers reach registered peers only', async () => {
    t = await startTracker({ peerPolicy: 'instances-only', isRegisteredPeer: (peer) => peer.peerId.startsWith('bb') })
    t.tracker.allow(allowed)
    const connect = async (peerHex: string, offers: number): Promise<WsPeer> => {
      const peer = await openWs(t.base)
      open.push(peer)
      const list = Array.from({ length: offers }, (_, i) => ({ offer: { type: 'offer', sdp: `v=${i}` }, offer_id: binary(hexId(i, 'cc')) }))
      peer.send({ action: 'announce', info_hash: binary(allowed), peer_id: binary(peerHex), numwant: offers, offers: list, left: 100 })
      await peer.receive() // the announce answer
      return peer
    }
    const seeder = await connect(seederId(1), 0)
    const bystander = await connect(clientId(2), 0)
    await connect(clientId(3), 5)
    const offered = await seeder.receive()
    assert.equal(offered.peer_id, binary(clientId(3)))
    await assert.rejects(bystander.receive(300), /no WebSocket message/)
  })

  it('instances-only needs isRegisteredPeer', async () => {
    await assert.rejects(startTracker({ peerPolicy: 'instances-only' }), /needs isRegisteredPeer/)
    t = await startTracker()
  })
})

describe('registered addresses', () => {
  it('resolves the hosts of URLs, matches IPv4-mapped addresses, and refreshes on a miss', async () => {
    let hosts = ['http://seeder.example:8090', 'https://origin.example']
    const table: Record<string, string[]> = { 'seeder.example': ['192.0.2.10'], 'origin.example': ['2001:db8::1', '192.0.2.1'], 'late.example': ['192.0.2.99'] }
    const book = startRegisteredAddresses({
      hosts: async () => hosts,
      lookup: async (host) => table[host] ?? [],
      log: pino({ level: 'silent' }),
      missRefreshMs: 0
    })
    try {
      await book.refresh()
      assert.ok(book.has('192.0.2.10'))
      assert.ok(book.has('::ffff:192.0.2.1'))
      assert.ok(book.has('2001:DB8::1'))
      hosts = [...hosts, 'late.example']
      assert.equal(book.has('192.0.2.99'), false) // unknown: a refresh starts
      await book.refresh()
      assert.ok(book.has('192.0.2.99'))
    } finally {
      book.stop()
    }
  })
})
