import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { parseRawAnswer, rawRequest } from '@fedswarm/testkit'
import { startMirrorFixture, type MirrorFixture } from './mirror-fixture.ts'

/** Shortened for the test; the seeder's default is 20 s, and Node checks it every quarter of it. */
const HEADERS_TIMEOUT_MS = 1000
/** Generous: the cut-off is due after HEADERS_TIMEOUT_MS plus one check interval (250 ms). */
const CUT_OFF_BOUND_MS = HEADERS_TIMEOUT_MS + 4000

interface Slow {
  socket: Socket
  /** The seeder's answer, once it closed the connection, and when it did. */
  closed: Promise<{ answer: string, afterMs: number }>
}

/** A connection that sends `start` and then, every `dripMs` if given, one more byte of a header that never ends. */
function slowClient (port: number, start: string, dripMs?: number): Slow {
  const socket = connect(port, '127.0.0.1')
  const opened = Date.now()
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  let drip: NodeJS.Timeout | undefined
  const closed = new Promise<{ answer: string, afterMs: number }>((resolve, reject) => {
    const bound = setTimeout(() => { socket.destroy(); reject(new Error(`the seeder kept a slow connection open for ${CUT_OFF_BOUND_MS} ms`)) }, CUT_OFF_BOUND_MS)
    socket.on('close', () => {
      clearTimeout(bound)
      clearInterval(drip)
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), afterMs: Date.now() - opened })
    })
    socket.on('error', () => {})
  })
  socket.write(start)
  if (dripMs !== undefined) drip = setInterval(() => { if (socket.writable) socket.write('a') }, dripMs)
  return { socket, closed }
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
