import assert from 'node:assert/strict'
import type { Redis } from 'ioredis'
import { closeRedis, openRedis } from '@fedswarm/runtime'
import { eventually, startRedisServer, type RedisServer } from '@fedswarm/testkit'
import { createRedisSwarmStore } from '../src/index.ts'
import { ADMIN_TOKEN, announce, compactPeers, failureOf, get, hexId, startTracker, type TestTracker } from './helpers.ts'

describe('tracker on a Redis swarm store', () => {
  let server: RedisServer
  let redis: Redis
  let t: TestTracker
  const allowed = hexId(1)

  beforeEach(async () => {
    server = await startRedisServer()
    redis = await openRedis({ url: server.url, commandTimeoutMs: 500 })
    t = await startTracker({ swarmStore: createRedisSwarmStore({ redis }) })
    t.tracker.allow(allowed)
  })
  afterEach(async () => {
    await t.close()
    await closeRedis(redis)
    await server.stop()
  })

  it('answers from Redis, refuses a removed swarm, and drops its keys', async () => {
    await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001, left: 0 })
    const answer = await announce(t.base, { infoHash: allowed, peerId: hexId(101, 'aa'), port: 6002 })
    assert.deepEqual(compactPeers(answer), ['127.0.0.1:6001'])
    assert.equal(answer.complete, 1)
    assert.equal(answer.incomplete, 1)
    assert.equal((await t.tracker.stats()).peers, 2)

    await t.tracker.remove(allowed)
    assert.deepEqual(await redis.keys('fedswarm:swarm:*:ids'), [])
    assert.equal(failureOf(await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001 })), 'removed')
  })

  it('answers a bencoded failure while Redis is gone, and recovers without a restart when it is back', async () => {
    await announce(t.base, { infoHash: allowed, peerId: hexId(100, 'aa'), port: 6001 })
    await server.kill()

    const failed = await announce(t.base, { infoHash: allowed, peerId: hexId(101, 'aa'), port: 6002 })
    assert.equal(failureOf(failed), 'tracker storage unavailable, retry later')
    const stats = await get(t.base, '/stats', { authorization: `Bearer ${ADMIN_TOKEN}` })
    assert.equal(stats.status, 503)
    assert.equal(JSON.parse(stats.body.toString()).error, 'store_unavailable')

    await server.restart()
    // The old peers went with the server (nothing persisted); the tracker answers again on its own.
    const back = await eventually('announces to succeed again', 10_000, async () => {
      const answer = await announce(t.base, { infoHash: allowed, peerId: hexId(101, 'aa'), port: 6002 })
      return failureOf(answer) === null ? answer : undefined
    })
    assert.equal(back.incomplete, 1)
    assert.ok((await t.tracker.stats()).refused.unavailable >= 1)
  })
})
