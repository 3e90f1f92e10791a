import assert from 'node:assert/strict'
import { parseRawAnswer, rawRequest, slowClient as openSlowClient } from '@fedswarm/testkit'
import { startMirrorFixture, type MirrorFixture } from './mirror-fixture.ts'

/** Shortened for the test; the seeder's default is 20 s, and Node checks it every quarter of it. */
const HEADERS_TIMEOUT_MS = 1000
/** Generous: the cut-off is due after HEADERS_TIMEOUT_MS plus one check interval (250 ms). */
const CUT_OFF_BOUND_MS = HEADERS_TIMEOUT_MS + 4000

function slowClient (port: number, start: string, dripMs?: number): ReturnType<typeof openSlowClient> {
  return openSlowClient(port, start, CUT_OFF_BOUND_MS, dripMs)
}

function assertTimedOut (answer: string, label: string): void {
  const { status, headers, body } = parseRawAnswer(answer)
  assert.equal(status, 408, label)
  assert.match(headers, /\r\ncontent-type: application\/json/i, label)
  assert.deepEqual(Object.keys(JSON.parse(body) as object).sort(), ['error', 'message'], label)
}

describe('the seeder cuts off slow clients and keeps serving the others', function () {
  this.timeout(60_000)
  let f: MirrorFixture

  before(async function () {
    f = await startMirrorFixture([200_000], { headersTimeoutMs: HEADERS_TIMEOUT_MS })
    // A server that has answered requests and closed their connections (its HTTP parsers reused), as one in service has.
    for (let i = 0; i < 3; i++) await servesMedia()
  })
  after(async function () {
    await f?.stop()
  })

  async function servesMedia (): Promise<void> {
    const item = f.held[0]!
    const response = await rawRequest(f.port, { path: `/media/${item.infoHash}` })
    assert.equal(response.status, 200)
    assert.ok(response.body.equals(item.bytes))
  }

  it('answers a header that never ends with a JSON 408 and closes, within a bound', async function () {
    const slow = slowClient(f.port, `GET /media/${f.held[0]!.infoHash} HTTP/1.1\r\nHost: x\r\nX-Slow: `)
    await servesMedia()
    const { answer, afterMs } = await slow.closed
    assertTimedOut(answer, 'unfinished header')
    assert.ok(afterMs >= HEADERS_TIMEOUT_MS - 50, `cut off after ${afterMs} ms, before the headers timeout`)
  })

  it('cuts off a header sent one byte at a time, and a connection that sends nothing', async function () {
    const drip = slowClient(f.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Drip: ', 100)
    const silent = slowClient(f.port, '')
    await servesMedia()
    assertTimedOut((await drip.closed).answer, 'drip-fed header')
    // Nothing was sent: Node closes without an answer, or with the same 408.
    const { answer } = await silent.closed
    if (answer !== '') assertTimedOut(answer, 'silent connection')
  })

  it('keeps serving while a hundred slow clients hold connections, and drops them all', async function () {
    const slow = Array.from({ length: 100 }, (_, i) => slowClient(f.port, `GET /media/${f.held[0]!.infoHash} HTTP/1.1\r\nHost: x\r\nX-${i}: `))
    for (let i = 0; i < 5; i++) await servesMedia()
    for (const { closed } of slow) assertTimedOut((await closed).answer, 'one of many slow clients')
    await servesMedia()
  })
})
