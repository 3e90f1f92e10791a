import assert from 'node:assert/strict'
import { PassThrough, Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ThrottleGroup } from 'speed-limiter'
import { createUploadShares } from '../src/upload-shares.ts'

interface Sending { bytes: number, done: Promise<void> }

/** Sends `total` bytes through the throttles of one response, counting what comes out. */
function send (throttles: NodeJS.ReadWriteStream[], total: number): Sending {
  const chunk = Buffer.alloc(4000)
  const source = Readable.from((function * () { for (let sent = 0; sent < total; sent += chunk.length) yield chunk })())
  const sending: Sending = { bytes: 0, done: Promise.resolve() }
  const sink = new Writable({ write (data: Buffer, _encoding, next) { sending.bytes += data.length; next() } })
  sending.done = pipeline([source, ...throttles, sink])
    .finally(() => { for (const throttle of throttles) (throttle as unknown as { destroy (): void }).destroy() })
  return sending
}

const destroyAll = (throttles: NodeJS.ReadWriteStream[]): void => { for (const throttle of throttles) (throttle as PassThrough).destroy() }

describe('the upload cap of mirror responses shared between origins', function () {
  this.timeout(20_000)

  it('gives each origin sending an equal part, re-set as origins come and go', async function () {
    const shares = createUploadShares(1_000_000, () => new PassThrough())
    const a1 = shares.throttle('a')
    assert.deepEqual(shares.shares(), new Map([['a', 1_000_000]]))
    const a2 = shares.throttle('a')
    const b = shares.throttle('b')
    assert.deepEqual(shares.shares(), new Map([['a', 500_000], ['b', 500_000]]), 'per origin, not per response')
    destroyAll([...b, ...a1])
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(shares.shares(), new Map([['a', 1_000_000]]), 'b gone: a has the whole cap again')
    destroyAll(a2)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(shares.shares(), new Map())
  })

  it('one origin with four responses under way gets about half the bytes, not four fifths, beside an origin with one', async function () {
    const rate = 400_000
    // The seeder's one bucket, as the swarm shares it: alone, it serves the five responses in turn.
    const bucket = new ThrottleGroup({ rate })
    const shares = createUploadShares(rate, () => bucket.throttle())
    const busy = Array.from({ length: 4 }, () => send(shares.throttle('busy.example'), 300_000))
    const quiet = send(shares.throttle('quiet.example'), 300_000)
    // Read when the quiet origin's response has ended: shared per response, the busy origin's four would have
    // sent 4 x as much by then (all 1.2 MB); shared per origin, about as much as the quiet one.
    await quiet.done
    const busyBytes = busy.reduce((sum, s) => sum + s.bytes, 0)
    await Promise.all(busy.map((s) => s.done))
    const busyShare = busyBytes / (busyBytes + quiet.bytes)
    assert.equal(quiet.bytes, 300_000)
    assert.ok(busyShare > 0.35 && busyShare < 0.65, `the busy origin had ${Math.round(busyShare * 100)} % of the bytes`)
  })
})
