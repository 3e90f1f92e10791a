// An origin with REDIS_URL: the tracker's swarms live in Redis under the
// configured prefix, the origin's own seeding peer among them, and a deletion
// takes the swarm out of Redis before the DELETE is answered.

import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { publish, startOriginFixture, type OriginFixture } from '@fedswarm/origin-fixture'
import { announce, compactPeers, deleteRedisKeys, eventually, failureReason, pngBytes, testRedisUrl, uniqueRedisPrefix } from '@fedswarm/testkit'

describe('origin with its swarms in Redis', function () {
  this.timeout(60_000)
  const prefix = uniqueRedisPrefix()
  let redis: Redis
  let fixture: OriginFixture | undefined

  before(async function () {
    redis = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 })
    await redis.connect()
    fixture = await startOriginFixture(undefined, { REDIS_URL: testRedisUrl, FEDSWARM_REDIS_PREFIX: prefix })
  })
  after(async function () {
    await fixture?.stop()
    await deleteRedisKeys(redis, prefix)
    redis.disconnect()
  })

  it('keeps the swarm, the origin\'s own seeding peer included, in Redis, and drops it on deletion', async function () {
    const origin = fixture!
    const { manifest } = await publish(origin, pngBytes(40_000), '?hot=1')
    const ids = `${prefix}swarm:{${manifest.infoHash}}:ids`
    // The origin seeds a hot item: its announce puts it in the swarm, so a client is given it.
    const answer = await eventually('the origin\'s seeding peer in an answer', 20_000, async () => {
      const reply = await announce(origin.url, manifest.infoHash, '-FS0001-redistest001')
      return compactPeers(reply).length > 0 ? reply : undefined
    })
    assert.equal(answer.complete, 1)
    assert.equal(await redis.hlen(ids), 2)

    const deleted = await origin.api(`/api/media/${manifest.id}`, { method: 'DELETE', admin: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'removed by the test' }) })
    assert.equal(deleted.status, 200)
    assert.equal(await redis.exists(ids), 0)
    assert.equal(failureReason(await announce(origin.url, manifest.infoHash)), 'removed')
  })
})
