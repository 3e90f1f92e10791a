import assert from 'node:assert/strict'
import { announce, binary, failureOf, hexId, openWs, startTracker, type TestTracker } from './helpers.ts'

const LIMITED = 'rate limited, retry later'
const PLENTY = { burst: 1000, perSecond: 1000 }

describe('announce rate limits', () => {
  let t: TestTracker
  afterEach(async () => { await t.close() })

  it('limits announces per IP, over every info hash, until tokens come back', async () => {
    t = await startTracker({ rateLimit: { perIp: { burst: 3, perSecond: 1 }, perIpAndInfoHash: PLENTY } })
    const hashes = [hexId(1), hexId(2), hexId(3), hexId(4)]
    for (const hash of hashes) t.tracker.allow(hash)
    for (const hash of hashes.slice(0, 3)) {
      assert.equal(failureOf(await announce(t.base, { infoHash: hash, peerId: hexId(100, 'aa'), port: 6001 })), null)
    }
    const refused = await announce(t.base, { infoHash: hashes[3] ?? '', peerId: hexId(100, 'aa'), port: 6001 })
    assert.equal(failureOf(refused), LIMITED)
    assert.equal(refused.peers, undefined)
    assert.equal((await t.tracker.stats()).refused.rateLimited, 1)

    // WebSocket announces draw on the same bucket.
    const ws = await openWs(t.base)
    try {
      ws.send({ action: 'announce', info_hash: binary(hashes[3] ?? ''), peer_id: binary(hexId(101, 'aa')), offers: [] })
      assert.equal((await ws.receive())['failure reason'], LIMITED)
    } finally {
      ws.close()
    }

    t.clock.now += 1000
    assert.equal(failureOf(await announce(t.base, { infoHash: hashes[3] ?? '', peerId: hexId(100, 'aa'), port: 6001 })), null)
    assert.equal((await t.tracker.stats()).refused.rateLimited, 2)
  })

  it('limits announces per IP and info hash without touching other hashes', async () => {
    t = await startTracker({ rateLimit: { perIp: PLENTY, perIpAndInfoHash: { burst: 2, perSecond: 0.2 } } })
    const busy = hexId(1)
    const quiet = hexId(2)
    t.tracker.allow(busy)
    t.tracker.allow(quiet)
    const peer = { peerId: hexId(100, 'aa'), port: 6001 }
    assert.equal(failureOf(await announce(t.base, { infoHash: busy, ...peer })), null)
    assert.equal(failureOf(await announce(t.base, { infoHash: busy, ...peer })), null)
    assert.equal(failureOf(await announce(t.base, { infoHash: busy, ...peer })), LIMITED)
    assert.equal(failureOf(await announce(t.base, { infoHash: quiet, ...peer })), null)
    t.clock.now += 4999
    assert.equal(failureOf(await announce(t.base, { infoHash: busy, ...peer })), LIMITED)
    t.clock.now += 5000
    assert.equal(failureOf(await announce(t.base, { infoHash: busy, ...peer })), null)
    assert.equal((await t.tracker.stats()).refused.rateLimited, 2)
    assert.equal((await t.tracker.stats()).announces, 4)
  })
})
