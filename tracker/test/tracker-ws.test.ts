import assert from 'node:assert/strict'
import { once } from 'node:events'
import http from 'node:http'
import wrtc from '@roamhq/wrtc'
import { Client } from 'bittorrent-tracker'
import { binary, get, hexId, next, openWs, startTracker, type TestTracker, type WsPeer } from './helpers.ts'

describe('tracker over WebSocket', () => {
  let t: TestTracker
  const open: WsPeer[] = []
  const allowed = hexId(1)

  async function connect (): Promise<WsPeer> {
    const peer = await openWs(t.base)
    open.push(peer)
    return peer
  }

  function announceMessage (peerHex: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { action: 'announce', info_hash: binary(allowed), peer_id: binary(peerHex), numwant: 0, offers: [], left: 100, ...extra }
  }

  beforeEach(async () => {
    t = await startTracker()
    t.tracker.allow(allowed)
  })
  afterEach(async () => {
    for (const peer of open.splice(0)) peer.close()
    await t.close()
  })

  it('answers the bittorrent-tracker Client', async () => {
    const client = new Client({ infoHash: allowed, peerId: hexId(100, 'aa'), announce: [`${t.base.replace('http', 'ws')}/announce`], port: 6001, wrtc })
    try {
      const updated = next<{ incomplete: number }>(client, 'update')
      client.start({ numwant: 0 }) // no offers: no WebRTC needed
      assert.equal((await updated).incomplete, 1)
      assert.equal((await t.tracker.stats()).peers, 1)
      assert.equal((await t.tracker.stats()).announces, 1)
    } finally {
      await new Promise(resolve => { client.destroy(resolve) })
    }
  })

  it('relays offers between WebSocket peers, with the interval a fifth of HTTP\'s', async () => {
    const a = await connect()
    a.send(announceMessage(hexId(100, 'aa')))
    const first = await a.receive()
    assert.equal(first.interval, 24)
    assert.equal(first.incomplete, 1)
    const b = await connect()
    const offerId = binary(hexId(7, 'cc'))
    b.send(announceMessage(hexId(101, 'aa'), { numwant: 1, offers: [{ offer: { type: 'offer', sdp: 'v=0' }, offer_id: offerId }] }))
    const relayed = await a.receive()
    assert.equal(relayed.offer_id, offerId)
    assert.deepEqual(relayed.offer, { type: 'offer', sdp: 'v=0' })
    assert.equal(relayed.peer_id, binary(hexId(101, 'aa')))
  })

  it('refuses unknown and removed info hashes through the same filter', async () => {
    const a = await connect()
    a.send(announceMessage(hexId(100, 'aa'), { info_hash: binary(hexId(2)) }))
    assert.equal((await a.receive())['failure reason'], 'unregistered torrent')
    a.send(announceMessage(hexId(100, 'aa')))
    assert.equal((await a.receive())['failure reason'], undefined)
    await t.tracker.remove(allowed)
    assert.equal((await t.tracker.stats()).peers, 0)
    a.send(announceMessage(hexId(100, 'aa')))
    const refused = await a.receive()
    assert.equal(refused['failure reason'], 'removed')
    assert.equal(refused.info_hash, binary(allowed))
    assert.deepEqual((await t.tracker.stats()).refused, { unregistered: 1, removed: 1, rateLimited: 0, malformed: 0, unavailable: 0 })
  })

  it('survives garbage messages and keeps answering', async () => {
    const a = await connect()
    a.send(announceMessage(hexId(100, 'aa'))) // a second peer in the swarm, to be offered to
    await a.receive()
    const b = await connect()
    const garbage: unknown[] = [
      'not json',
      'null',
      '42',
      '[]',
      { action: 'explode' },
      { action: 'announce' },
      announceMessage(hexId(101, 'aa'), { peer_id: 'short' }),
      // bittorrent-tracker alone dies of this one (server.js reads offers[i].offer in a nextTick).
      announceMessage(hexId(101, 'aa'), { numwant: 1, offers: [null] }),
      announceMessage(hexId(101, 'aa'), { offers: 'abcdef' }),
      announceMessage(hexId(101, 'aa'), { left: 'lots' }),
      announceMessage(hexId(101, 'aa'), { answer: { type: 'answer' } }),
      { action: 'scrape' }
    ]
    for (const message of garbage) {
      b.send(message)
      const reply = await b.receive()
      assert.equal(typeof reply['failure reason'], 'string', JSON.stringify(message))
    }
    b.socket.send(new Uint8Array([0xff, 0x00, 0x13]))
    assert.equal(typeof (await b.receive())['failure reason'], 'string')
    assert.equal((await t.tracker.stats()).refused.malformed, garbage.length + 1)

    b.send(announceMessage(hexId(101, 'aa')))
    const answer = await b.receive()
    assert.equal(answer['failure reason'], undefined)
    assert.equal(answer.incomplete, 2)
  })

  it('scrapes allowed hashes only', async () => {
    const a = await connect()
    a.send(announceMessage(hexId(100, 'aa'), { left: 0 }))
    await a.receive()
    a.send({ action: 'scrape', info_hash: [binary(allowed), binary(hexId(2))] })
    const reply = await a.receive()
    assert.equal(reply.action, 'scrape')
    assert.deepEqual(reply.files, { [binary(allowed)]: { complete: 1, incomplete: 0, downloaded: 1 } })
  })

  it('drops a closed socket\'s peers from the swarm', async () => {
    const a = await connect()
    a.send(announceMessage(hexId(100, 'aa')))
    await a.receive()
    assert.equal((await t.tracker.stats()).peers, 1)
    a.close()
    await once(a.socket, 'close', { signal: AbortSignal.timeout(5000) })
    // The server sees the close after the client does: wait on its side, bounded.
    const deadline = Date.now() + 5000
    while ((await t.tracker.stats()).peers !== 0 && Date.now() < deadline) await new Promise(resolve => setImmediate(resolve))
    assert.equal((await t.tracker.stats()).peers, 0)
  })

  it('destroys upgrades on other paths', async () => {
    const req = http.request(`${t.base}/elsewhere`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }, agent: false })
    req.end()
    const [err] = await once(req, 'error', { signal: AbortSignal.timeout(5000) }) as [NodeJS.ErrnoException]
    assert.equal(err.code, 'ECONNRESET')
    assert.equal((await get(t.base, '/nowhere')).status, 404)
  })

  it('close() ends open WebSockets', async () => {
    const a = await connect()
    const closed = once(a.socket, 'close', { signal: AbortSignal.timeout(5000) })
    await t.tracker.close()
    await closed
  })
})
