import assert from 'node:assert/strict'
import bencode from 'bencode'
import { Client } from 'bittorrent-tracker'
import {
  ADMIN_TOKEN, announce, announcePath, compactPeers, failureOf, get, getBencoded,
  hexId, next, percentEncode, startTracker, type TestTracker
} from './helpers.ts'
import { createMemorySwarmStore, type SwarmStore } from '../src/index.ts'

describe('tracker over HTTP', () => {
  let t: TestTracker
  const allowed = hexId(1)

  beforeEach(async () => {
    t = await startTracker()
    t.tracker.allow(allowed)
  })
  afterEach(async () => { await t.close() })

  it('answers an allowed info hash with the peers of its swarm', async () => {
    const first = await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001, event: 'started' })
    assert.equal(failureOf(first), null)
    assert.equal(first.interval, 120)
    const second = await announce(t.base, { infoHash: allowed, peerId: hexId(101, 'aa'), port: 6002, left: 0, event: 'started' })
    assert.equal(second.complete, 1)
    assert.equal(second.incomplete, 1)
    assert.ok(compactPeers(second).includes('127.0.0.1:6001'))
    assert.deepEqual((await t.tracker.stats()), {
      swarms: 1, allowed: 1, peers: 2, seeders: 1, leechers: 1, announces: 2,
      refused: { unregistered: 0, removed: 0, rateLimited: 0, malformed: 0, unavailable: 0 }
    })
  })

  it('answers the bittorrent-tracker Client, and refuses it an unknown torrent', async () => {
    const announceUrl = `${t.base}/announce`
    const client = new Client({ infoHash: allowed, peerId: hexId(102, 'aa'), announce: [announceUrl], port: 6003 })
    const stranger = new Client({ infoHash: hexId(2), peerId: hexId(103, 'aa'), announce: [announceUrl], port: 6004 })
    try {
      const updated = next<{ complete: number, incomplete: number }>(client, 'update')
      const warned = next<Error>(stranger, 'warning')
      client.start()
      stranger.start()
      assert.equal((await updated).incomplete, 1)
      assert.equal((await warned).message, 'unregistered torrent')
    } finally {
      await Promise.all([client, stranger].map(async c => { await new Promise(resolve => { c.destroy(resolve) }) }))
    }
  })

  it('refuses an unknown info hash with a bencoded failure reason and HTTP 200', async () => {
    const reply = await get(t.base, announcePath({ infoHash: hexId(2), peerId: hexId(100, 'aa'), port: 6001 }))
    assert.equal(reply.status, 200)
    const answer = bencode.decode(reply.body) as Record<string, unknown>
    assert.equal(failureOf(answer), 'unregistered torrent')
    assert.equal(answer.peers, undefined)
    assert.equal((await t.tracker.stats()).refused.unregistered, 1)
    assert.equal((await t.tracker.stats()).swarms, 0)
  })

  it('remove() drops the swarm and its peers at once; later announces read "removed"', async () => {
    await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001 })
    await announce(t.base, { infoHash: allowed, peerId: hexId(101, 'aa'), port: 6002 })
    assert.equal((await t.tracker.stats()).swarms, 1)
    assert.equal((await t.tracker.stats()).peers, 2)

    await t.tracker.remove(allowed)
    assert.equal(t.tracker.isAllowed(allowed), false)
    assert.equal((await t.tracker.stats()).swarms, 0)
    assert.equal((await t.tracker.stats()).peers, 0)

    const again = await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001 })
    assert.equal(failureOf(again), 'removed')
    assert.equal(again.peers, undefined)
    assert.equal((await t.tracker.stats()).refused.removed, 1)
    assert.equal((await t.tracker.stats()).swarms, 0)

    // A removed info hash stays removed, even if a late allow() arrives (another process catching up).
    t.tracker.allow(allowed)
    assert.equal(t.tracker.isAllowed(allowed), false)
    assert.equal(failureOf(await announce(t.base, { infoHash: allowed, peerId: hexId(101, 'aa'), port: 6002 })), 'removed')
  })

  it('an announce already past the filter when remove() runs does not bring the swarm back', async () => {
    // A shared store (Redis) answers ticks after the filter ran: remove() right
    // after handleHttp() lands in between. The memory store behind a delay is such a store.
    await t.close()
    const memory = createMemorySwarmStore()
    const later: SwarmStore = { ...memory, announce: (peer, choice) => new Promise((resolve) => { setImmediate(() => { resolve(memory.announce(peer, choice)) }) }) }
    t = await startTracker({ swarmStore: later })
    t.tracker.allow(allowed)
    t.afterRequest = () => { void t.tracker.remove(allowed) }
    const answer = await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001 })
    assert.equal(failureOf(answer), 'removed')
    assert.equal((await t.tracker.stats()).swarms, 0)
    assert.equal((await t.tracker.stats()).announces, 1)
  })

  it('caps the peers per answer at maxPeersPerAnswer (default 50)', async () => {
    for (let i = 0; i < 60; i++) {
      await announce(t.base, { infoHash: allowed, peerId: hexId(200 + i, 'aa'), port: 7000 + i })
    }
    const answer = await announce(t.base, { infoHash: allowed, peerId: hexId(999, 'aa'), port: 7999, numwant: 200 })
    assert.equal(answer.incomplete, 61)
    assert.equal(compactPeers(answer).length, 50)
  })

  it('refuses a full scrape', async () => {
    const reply = await get(t.base, '/scrape')
    assert.equal(reply.status, 400)
    assert.equal(reply.headers['content-type'], 'application/json')
    assert.equal(JSON.parse(reply.body.toString()).error, 'full_scrape_refused')
  })

  it('scrapes allowed info hashes only, keyed by their raw 20 bytes', async () => {
    await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001, left: 0 })
    await announce(t.base, { infoHash: allowed, peerId: hexId(101, 'aa'), port: 6002 })
    const unknown = hexId(2)
    const reply = await get(t.base, `/scrape?info_hash=${percentEncode(allowed)}&info_hash=${percentEncode(unknown)}`)
    assert.equal(reply.status, 200)
    // Raw bytes, not UTF-8: the key is exactly "20:" and the 20 bytes.
    assert.ok(reply.body.includes(Buffer.concat([Buffer.from('20:'), Buffer.from(allowed, 'hex')])))
    // bencode@4 turns keys that are not UTF-8 into hex.
    const files = (bencode.decode(reply.body) as { files: Record<string, unknown> }).files
    assert.deepEqual(Object.keys(files), [allowed])
    assert.deepEqual(files[allowed], { complete: 1, incomplete: 1, downloaded: 1 })
  })

  it('answers a scrape of unknown hashes with no files', async () => {
    const answer = await getBencoded(t.base, `/scrape?info_hash=${percentEncode(hexId(2))}`)
    assert.deepEqual(answer.files, {})
  })

  it('gates /stats behind authorizeStats', async () => {
    const anonymous = await get(t.base, '/stats')
    assert.equal(anonymous.status, 401)
    assert.equal(JSON.parse(anonymous.body.toString()).error, 'unauthorized')
    const wrong = await get(t.base, '/stats', { authorization: 'Bearer nope' })
    assert.equal(wrong.status, 403)
    assert.equal(JSON.parse(wrong.body.toString()).error, 'forbidden')
    await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001 })
    const admin = await get(t.base, '/stats', { authorization: `Bearer ${ADMIN_TOKEN}` })
    assert.equal(admin.status, 200)
    assert.equal(admin.headers['content-type'], 'application/json')
    assert.deepEqual(JSON.parse(admin.body.toString()), (await t.tracker.stats()))
    assert.equal((await t.tracker.stats()).leechers, 1)
  })

  it('answers malformed announces 400 with a JSON error, and keeps answering', async () => {
    const ih = percentEncode(allowed)
    const pid = percentEncode(hexId(100, 'aa'))
    const base = `peer_id=${pid}&port=6001`
    const table: Array<[string, string]> = [
      ['no info_hash', `/announce?${base}`],
      ['info_hash of 19 bytes', `/announce?info_hash=${ih.slice(3)}&${base}`],
      ['info_hash of 21 bytes', `/announce?info_hash=${ih}%00&${base}`],
      ['info_hash twice', `/announce?info_hash=${ih}&info_hash=${ih}&${base}`],
      ['info_hash with a character above one byte', `/announce?info_hash=%u0100${ih.slice(3)}&${base}`],
      ['no peer_id', `/announce?info_hash=${ih}&port=6001`],
      ['short peer_id', `/announce?info_hash=${ih}&peer_id=abc&port=6001`],
      ['no port', `/announce?info_hash=${ih}&peer_id=${pid}`],
      ['port 0', `/announce?info_hash=${ih}&peer_id=${pid}&port=0`],
      ['port 65536', `/announce?info_hash=${ih}&peer_id=${pid}&port=65536`],
      ['port not a number', `/announce?info_hash=${ih}&peer_id=${pid}&port=http`],
      ['negative left', `/announce?info_hash=${ih}&${base}&left=-1`],
      ['fractional uploaded', `/announce?info_hash=${ih}&${base}&uploaded=1.5`],
      ['numwant not a number', `/announce?info_hash=${ih}&${base}&numwant=lots`],
      ['compact 2', `/announce?info_hash=${ih}&${base}&compact=2`],
      ['unknown event', `/announce?info_hash=${ih}&${base}&event=exploded`],
      ['scrape info_hash of 3 bytes', '/scrape?info_hash=abc']
    ]
    for (const [name, path] of table) {
      const reply = await get(t.base, path)
      assert.equal(reply.status, 400, name)
      assert.equal(reply.headers['content-type'], 'application/json', name)
      const body = JSON.parse(reply.body.toString()) as { error: string, message: string }
      assert.equal(body.error, path.startsWith('/scrape') ? 'malformed_scrape' : 'malformed_announce', name)
      assert.equal(typeof body.message, 'string', name)
    }
    assert.equal((await t.tracker.stats()).refused.malformed, table.length)
    const answer = await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001 })
    assert.equal(failureOf(answer), null)
  })

  it('answers other paths 404 and other methods 405, in JSON', async () => {
    const missing = await get(t.base, '/nowhere')
    assert.equal(missing.status, 404)
    assert.equal(JSON.parse(missing.body.toString()).error, 'not_found')
    const posted = await get(t.base, '/announce', {}, 'POST')
    assert.equal(posted.status, 405)
    assert.equal(posted.headers.allow, 'GET')
  })

  it('rejects an info hash that is not 40 lowercase hex', () => {
    assert.throws(() => { t.tracker.allow('ABC') }, { name: 'InvalidInfoHashError' })
    assert.throws(() => { t.tracker.remove(allowed.toUpperCase()) }, { name: 'InvalidInfoHashError' })
  })
})

describe('tracker lifecycle', () => {
  it('close() is idempotent and later requests get 503', async () => {
    const t = await startTracker()
    try {
      const first = t.tracker.close()
      assert.equal(t.tracker.close(), first)
      await first
      const reply = await get(t.base, '/announce')
      assert.equal(reply.status, 503)
      assert.equal(JSON.parse(reply.body.toString()).error, 'tracker_closed')
    } finally {
      await t.close()
    }
  })
})
