import assert from 'node:assert/strict'
import type { Redis } from 'ioredis'
import { closeRedis, createRedisPopularity, openRedis } from '@fedswarm/runtime'
import { deleteRedisKeys, eventually, testRedisUrl, uniqueRedisPrefix } from '@fedswarm/testkit'

const rounded = (n: number | undefined): number => Math.round((n ?? 0) * 100) / 100

describe('request counts on Redis, shared by several processes', function () {
  const prefix = uniqueRedisPrefix()
  let a: Redis
  let b: Redis

  before(async () => {
    a = await openRedis({ url: testRedisUrl })
    b = await openRedis({ url: testRedisUrl })
  })
  afterEach(async () => { await deleteRedisKeys(a, prefix) })
  after(async () => {
    await closeRedis(a)
    await closeRedis(b)
  })

  it('adds up the requests counted through two connections, ranks, and forgets', async () => {
    const here = createRedisPopularity({ redis: a, prefix })
    const there = createRedisPopularity({ redis: b, prefix })
    for (let i = 0; i < 3; i++) await here.record('hot')
    assert.equal(rounded(await there.record('hot')), 4)
    await there.record('warm')
    assert.deepEqual((await here.top(2)).map(({ id, score }) => [id, rounded(score)]), [['hot', 4], ['warm', 1]])
    const scores = await there.scores(['hot', 'unknown'])
    assert.equal(rounded(scores.get('hot')), 4)
    assert.equal(scores.get('unknown'), 0)
    await here.forget('hot')
    assert.deepEqual((await there.top(5)).map(({ id }) => id), ['warm'])
  })

  it('halves a count every half-life and keeps only the hottest items', async () => {
    const quick = createRedisPopularity({ redis: a, prefix, halfLifeMs: 100, maxTracked: 3 })
    await quick.record('a')
    await quick.record('a')
    await eventually('the count to halve', 5000, async () => (await quick.scores(['a'])).get('a')! <= 1 ? true : undefined)
    const kept = createRedisPopularity({ redis: a, prefix: `${prefix}kept:`, maxTracked: 3 })
    for (const [id, times] of [['w', 4], ['x', 3], ['y', 2], ['z', 1]] as const) {
      for (let i = 0; i < times; i++) await kept.record(id)
    }
    assert.deepEqual((await kept.top(10)).map(({ id }) => id), ['w', 'x', 'y'])
  })
})
