// An origin on Redis whose Redis goes away while it runs: no crash, announces
// answered with a bencoded failure, /api without its rate limit, the popular
// list a JSON 503, media still served; everything back without a restart
// once Redis is.

import assert from 'node:assert/strict'
import { publish, startOriginFixture, type OriginFixture } from '@fedswarm/origin-fixture'
import { announce, eventually, failureReason, pngBytes, startRedisServer, type RedisServer } from '@fedswarm/testkit'

describe('origin whose Redis is lost while it runs', function () {
  this.timeout(60_000)
  let server: RedisServer
  let fixture: OriginFixture | undefined

  before(async function () {
    server = await startRedisServer()
    fixture = await startOriginFixture(undefined, { REDIS_URL: server.url })
  })
  after(async function () {
    await fixture?.stop()
    await server.stop()
  })

  it('answers what it can, fails announces in bencode, and recovers when Redis is back', async function () {
    const origin = fixture!
    const { manifest } = await publish(origin, pngBytes(40_000))
    assert.equal(failureReason(await announce(origin.url, manifest.infoHash)), undefined)

    await server.kill()
    assert.equal(failureReason(await announce(origin.url, manifest.infoHash)), 'tracker storage unavailable, retry later')
    const popular = await origin.api('/api/popular')
    assert.equal(popular.status, 503)
    assert.equal((await popular.json() as { error: string }).error, 'storage_unavailable')
    const media = await fetch(manifest.url)
    assert.equal(media.status, 200, 'media is served without Redis')
    assert.equal(Buffer.from(await media.arrayBuffer()).length, manifest.size)

    await server.restart()
    await eventually('announces to be answered again', 15_000, async () =>
      failureReason(await announce(origin.url, manifest.infoHash)) === undefined ? true : undefined)
    assert.equal((await origin.api('/api/popular')).status, 200)
  })
})
