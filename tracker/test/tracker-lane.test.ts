// The tracker's side of the HTTP server's lane (web's request-lane.ts):
// a plain announce answered as over node:http, from the same swarms; and
// what node:http must answer instead (a malformed query, a closed tracker)
// declined before anything is counted or stored.

import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import bencode from 'bencode'
import { announce, announcePath, compactPeers, failureOf, hexId, startTracker, type Bencoded, type TestTracker } from './helpers.ts'

/** What the lane reads of a socket: its address. */
const socketAt = (remoteAddress: string): Socket => ({ remoteAddress }) as Socket

describe('tracker: announces by the HTTP server\'s lane', () => {
  let t: TestTracker
  const allowed = hexId(1)

  beforeEach(async () => {
    t = await startTracker()
    t.tracker.allow(allowed)
  })
  afterEach(async () => { await t.close() })

  function laneAnnounce (target: string, remoteAddress = '127.0.0.9', forwardedFor?: string): Promise<Bencoded> | false {
    let reply!: (body: string) => void
    const answered = new Promise<string>((resolve) => { reply = resolve })
    if (!t.tracker.lane.handle({ target, forwardedFor, socket: socketAt(remoteAddress) }, reply)) return false
    return answered.then((body) => bencode.decode(Buffer.from(body, 'latin1')) as Bencoded)
  }

  it('answers from the same swarms as node:http, each side listing the other\'s peers', async () => {
    assert.equal(t.tracker.lane.path, '/announce')
    await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001, event: 'started' })
    const answer = await laneAnnounce(announcePath({ infoHash: allowed, peerId: hexId(101, 'aa'), port: 6002, left: 0, event: 'started' }))
    assert.ok(answer !== false)
    assert.equal(failureOf(answer), null)
    assert.equal(answer.interval, 120)
    assert.deepEqual([answer.complete, answer.incomplete], [1, 1])
    assert.deepEqual(compactPeers(answer), ['127.0.0.1:6001'])
    const back = await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001 })
    assert.deepEqual(compactPeers(back), ['127.0.0.9:6002'])
  })

  it('refuses by bencoded failure as node:http does: an unknown info hash', async () => {
    const answer = await laneAnnounce(announcePath({ infoHash: hexId(2), peerId: hexId(102, 'aa'), port: 6003 }))
    assert.ok(answer !== false)
    assert.equal(failureOf(answer), 'unregistered torrent')
    assert.equal((await t.tracker.stats()).refused.unregistered, 1)
  })

  it('declines a query that does not parse, and a closed tracker: nothing counted, nothing stored', async () => {
    assert.equal(laneAnnounce('/announce?info_hash=short&peer_id=x&port=1'), false)
    assert.equal(laneAnnounce('/announce?port=99999'), false)
    const stats = await t.tracker.stats()
    assert.equal(stats.refused.malformed, 0)
    assert.equal(stats.announces, 0)
    await t.tracker.close()
    assert.equal(laneAnnounce(announcePath({ infoHash: allowed, peerId: hexId(103, 'aa'), port: 6004 })), false)
  })
})

describe('tracker: the lane behind a trusted proxy', () => {
  let t: TestTracker
  const allowed = hexId(1)

  beforeEach(async () => {
    // As the origin's clientAddressOf reads it, in short: the last X-Forwarded-For entry.
    t = await startTracker({ clientAddress: (req) => String(req.headers['x-forwarded-for'] ?? req.socket.remoteAddress).split(', ').at(-1)! })
    t.tracker.allow(allowed)
  })
  afterEach(async () => { await t.close() })

  it('takes the address from X-Forwarded-For through the tracker\'s clientAddress', async () => {
    let reply!: (body: string) => void
    const answered = new Promise<string>((resolve) => { reply = resolve })
    assert.ok(t.tracker.lane.handle({ target: announcePath({ infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001 }), forwardedFor: '198.51.100.1, 203.0.113.7', socket: socketAt('127.0.0.1') }, reply))
    await answered
    const seen = await announce(t.base, { infoHash: allowed, peerId: hexId(101, 'aa'), port: 6002 })
    assert.deepEqual(compactPeers(seen), ['203.0.113.7:6001'])
  })
})
