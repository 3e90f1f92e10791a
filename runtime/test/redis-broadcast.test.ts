import assert from 'node:assert/strict'
import type { Redis } from 'ioredis'
import { closeRedis, openRedis, startRedisBroadcast, type RedisBroadcast } from '@fedswarm/runtime'
import { eventually, testRedisUrl, uniqueRedisPrefix } from '@fedswarm/testkit'

describe('a nudge to the other processes on one Redis', function () {
  let redis: Redis
  const broadcasts: RedisBroadcast[] = []

  before(async () => { redis = await openRedis({ url: testRedisUrl }) })
  after(async () => {
    for (const broadcast of broadcasts) await broadcast.stop()
    await closeRedis(redis)
  })

  it('reaches every other process, never the one that nudged', async () => {
    const channel = `${uniqueRedisPrefix()}changed`
    const nudged = [0, 0, 0]
    for (const i of [0, 1, 2]) broadcasts.push(await startRedisBroadcast({ redis, channel, onNudge: () => { nudged[i]! += 1 } }))
    await broadcasts[0]!.nudge()
    await eventually('both others nudged', 5000, async () => nudged[1] === 1 && nudged[2] === 1 ? true : undefined)
    await broadcasts[1]!.nudge()
    await eventually('the second nudge', 5000, async () => nudged[0] === 1 && nudged[2] === 2 ? true : undefined)
    assert.deepEqual(nudged, [1, 1, 2])
  })

  it('carries the note of what changed, when there is one', async () => {
    const channel = `${uniqueRedisPrefix()}changed`
    const notes: Array<string | undefined> = []
    broadcasts.push(await startRedisBroadcast({ redis, channel, onNudge: () => {} }))
    broadcasts.push(await startRedisBroadcast({ redis, channel, onNudge: (note) => { notes.push(note) } }))
    await broadcasts.at(-2)!.nudge('{"a": "b c"}')
    await broadcasts.at(-2)!.nudge()
    await eventually('both nudges', 5000, async () => notes.length === 2 ? true : undefined)
    assert.deepEqual(notes, ['{"a": "b c"}', undefined])
  })
})
