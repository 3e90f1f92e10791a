// Two origins on one Redis (REDIS_URL, one prefix) share the /api rate limit:
// an address has its budget once, not once per process. Without Redis each
// keeps its own, as before.

import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { startOriginFixture, type OriginFixture } from '@fedswarm/origin-fixture'
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '@fedswarm/testkit'

describe('origins sharing their /api rate limit through Redis', function () {
  this.timeout(60_000)
  const prefix = uniqueRedisPrefix()
  let redis: Redis
  const fixtures: OriginFixture[] = []

  before(async function () {
    redis = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 })
    await redis.connect()
    const env = { REDIS_URL: testRedisUrl, FEDSWARM_REDIS_PREFIX: prefix, FEDSWARM_API_RATE: '3' }
    fixtures.push(await startOriginFixture(undefined, env), await startOriginFixture(undefined, env))
  })
  after(async function () {
    for (const fixture of fixtures) await fixture.stop()
    await deleteRedisKeys(redis, prefix)
    redis.disconnect()
  })

  it('answers 429 once the address spent its budget across both', async () => {
    const [a, b] = fixtures as [OriginFixture, OriginFixture]
    const statuses: number[] = []
    for (const fixture of [a, b, a, b]) {
      const response = await fixture.api('/api/popular')
      await response.arrayBuffer()
      statuses.push(response.status)
    }
    assert.deepEqual(statuses, [200, 200, 200, 429])
    assert.ok((await redis.keys(`${prefix}api-rate:*`)).length >= 1)
  })
})
