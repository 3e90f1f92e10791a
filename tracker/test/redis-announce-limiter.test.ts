import assert from 'node:assert/strict'
import type { Redis } from 'ioredis'
import { closeRedis, openRedis } from '@fedswarm/runtime'
import { eventually, startRedisServer, uniqueRedisPrefix, type RedisServer } from '@fedswarm/testkit'
import { createRedisAnnounceLimiter } from '../src/index.ts'
import { announce, binary, failureOf, hexId, openWs, startTracker, type TestTracker } from './helpers.ts'

describe('announce budgets in Redis, shared by two trackers', function () {
  this.timeout(30_000)
  const allowed = hexId(1)
  // Three at once per address, then one every 1000 s: nothing refills during the test.
  const limits = { perIp: { burst: 3, perSecond: 0.001 }, perIpAndInfoHash: { burst: 10, perSecond: 0.001 } }
  let server: RedisServer
  let redisA: Redis
  let redisB: Redis
  let a: TestTracker
  let b: TestTracker

  beforeEach(async () => {
    server = await startRedisServer()
    redisA = await openRedis({ url: server.url, commandTimeoutMs: 500 })
    redisB = await openRedis({ url: server.url, commandTimeoutMs: 500 })
    const prefix = uniqueRedisPrefix()
    a = await startTracker({ announceLimiter: createRedisAnnounceLimiter({ redis: redisA, prefix, limits }) })
    b = await startTracker({ announceLimiter: createRedisAnnounceLimiter({ redis: redisB, prefix, limits }) })
    a.tracker.allow(allowed)
    b.tracker.allow(allowed)
  })
  afterEach(async () => {
    await a.close()
    await b.close()
    await closeRedis(redisA)
    await closeRedis(redisB)
    await server.stop()
  })

  it('gives an address its budget once across both', async () => {
    for (const [t, n] of [[a, 1], [b, 2], [a, 3]] as const) {
      assert.equal(failureOf(await announce(t.base, { infoHash: allowed, peerId: hexId(n, 'aa'), port: 6000 + n })), null)
    }
    assert.equal(failureOf(await announce(b.base, { infoHash: allowed, peerId: hexId(4, 'aa'), port: 6004 })), 'rate limited, retry later')
    assert.equal((await b.tracker.stats()).refused.rateLimited, 1)
  })

  it('answers a failure while Redis is gone, over HTTP and WebSocket, and recovers without a restart', async () => {
    await server.kill()
    assert.equal(failureOf(await announce(a.base, { infoHash: allowed, peerId: hexId(1, 'aa'), port: 6001 })), 'tracker storage unavailable, retry later')
    const ws = await openWs(a.base)
    try {
      ws.send({ action: 'announce', info_hash: binary(allowed), peer_id: binary(hexId(2, 'aa')), numwant: 0, offers: [], left: 100 })
      assert.equal((await ws.receive())['failure reason'], 'tracker storage unavailable, retry later')
    } finally {
      ws.close()
    }

    await server.restart()
    await eventually('announces to pass again', 10_000, async () =>
      failureOf(await announce(a.base, { infoHash: allowed, peerId: hexId(1, 'aa'), port: 6001 })) === null ? true : undefined)
  })
})
