import assert from 'node:assert/strict'
import { freePort, testRedisUrl } from '@fedswarm/testkit'
import { closeRedis, openRedis, RedisUnreachableError } from '../src/index.ts'

describe('openRedis', () => {
  it('connects and answers', async () => {
    const redis = await openRedis({ url: testRedisUrl })
    try {
      assert.equal(await redis.ping(), 'PONG')
    } finally {
      await closeRedis(redis)
    }
  })

  it('refuses to start on a Redis nobody listens on, with one line that names the host but never the password', async () => {
    const url = `redis://:hunter2@127.0.0.1:${await freePort()}`
    await assert.rejects(openRedis({ url }), (err: Error) => {
      assert.ok(err instanceof RedisUnreachableError)
      assert.equal(err.code, 'ERR_REDIS_UNREACHABLE')
      assert.match(err.message, /^cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\): connect ECONNREFUSED/)
      assert.ok(!err.message.includes('hunter2'))
      assert.ok(!err.message.includes('\n'))
      return true
    })
  })
})
