// A client that never finishes its request headers is cut off, the
// connection closed whole, also once the origin has served other clients.

import assert from 'node:assert/strict'
import { parseRawAnswer, pngBytes, rawRequest, slowClient } from '@fedswarm/testkit'
import { publish, startOriginFixture, type OriginFixture } from '@fedswarm/origin-fixture'

/** Shortened for the test; the origin's default is 20 s, checked every quarter of it. */
const HEADERS_TIMEOUT_MS = 1000
const CUT_OFF_BOUND_MS = HEADERS_TIMEOUT_MS + 4000

function assertTimedOut (answer: string, label: string): void {
  const { status, body } = parseRawAnswer(answer)
  assert.equal(status, 408, label)
  assert.equal((JSON.parse(body) as { error: string }).error, 'request_timeout', label)
}

describe('the origin cuts off slow clients after serving others', function () {
  this.timeout(60_000)
  let f: OriginFixture
  let path: string
  let port: number

  before(async function () {
    f = await startOriginFixture(undefined, {}, { headersTimeoutMs: HEADERS_TIMEOUT_MS })
    port = f.origin.port
    const { manifest } = await publish(f, pngBytes(50_000))
    path = new URL(manifest.url).pathname
    // Traffic first, on connections kept alive and on closed ones: an origin in service, not a fresh one.
    const health = await fetch(`${f.url}/healthz`)
    assert.equal(health.status, 200)
    await health.arrayBuffer()
    for (let i = 0; i < 3; i++) assert.equal((await rawRequest(port, { path })).status, 200)
  })
  after(async function () {
    await f?.stop()
  })

  it('answers 408 and closes a header that never ends, a drip-fed one and a silent connection', async function () {
    const unfinished = slowClient(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Slow: `, CUT_OFF_BOUND_MS)
    const drip = slowClient(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Drip: ', CUT_OFF_BOUND_MS, 100)
    const silent = slowClient(port, '', CUT_OFF_BOUND_MS)
    assert.equal((await rawRequest(port, { path })).status, 200, 'others are served meanwhile')
    const first = await unfinished.closed
    assertTimedOut(first.answer, 'unfinished header')
    assert.ok(first.afterMs >= HEADERS_TIMEOUT_MS - 50, `cut off after ${first.afterMs} ms, before the headers timeout`)
    assertTimedOut((await drip.closed).answer, 'drip-fed header')
    const { answer } = await silent.closed
    if (answer !== '') assertTimedOut(answer, 'silent connection')
  })
})
