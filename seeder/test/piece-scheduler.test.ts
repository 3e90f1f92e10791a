import assert from 'node:assert/strict'
import { createPieceScheduler, type Assignment, type PieceSchedulerOptions } from '../src/piece-scheduler.ts'

const WEB = 'https://origin.example/media/x'
const A = 'https://a.example/media/h'
const B = 'https://b.example/media/h'

const scheduler = (extra: Partial<PieceSchedulerOptions> = {}) =>
  createPieceScheduler({ pieces: 10, webSeeds: [WEB], parallel: 6, perSource: 2, maxErrors: 3, backoffMs: 1000, webSeedAfter: 0, now: 0, ...extra })

/** Every request that can be made at `now`. */
function drain (s: ReturnType<typeof scheduler>, now = 0): Assignment[] {
  const out: Assignment[] = []
  for (let next = s.next(now); next !== undefined; next = s.next(now)) out.push(next)
  return out
}

describe('piece scheduler (HTTP transport)', function () {
  it('asks mirrors first and the web seed only for the slots they cannot take', function () {
    const s = scheduler()
    s.setMirrors([A, B])
    const asked = drain(s)
    assert.deepEqual(asked.map((a) => a.piece), [0, 1, 2, 3, 4, 5])
    assert.deepEqual(asked.map((a) => a.url), [A, B, A, B, WEB, WEB])
    assert.deepEqual(asked.map((a) => a.kind), ['mirror', 'mirror', 'mirror', 'mirror', 'webseed', 'webseed'])
  })

  it('with mirrors enough, never asks the web seed', function () {
    const s = scheduler({ parallel: 4 })
    s.setMirrors([A, B])
    for (let piece = 0; piece < 10;) {
      const asked = drain(s)
      assert.ok(asked.every((a) => a.kind === 'mirror'), JSON.stringify(asked))
      for (const a of asked) { s.verified(a.piece, a.url, 0); piece++ }
    }
    assert.equal(s.done(), true)
    assert.deepEqual(s.sources().map((r) => [r.url, r.served]), [[WEB, 0], [A, 5], [B, 5]])
  })

  it('asks the web seed only once mirrors have given nothing for webSeedAfter', function () {
    const s = scheduler({ webSeedAfter: 5000, now: 1000 })
    assert.equal(s.next(1000), undefined, 'no mirror yet: the web seed waits')
    assert.equal(s.wakeAt(1000), 6000)
    s.setMirrors([A])
    const asked = drain(s, 2000)
    assert.deepEqual(asked.map((a) => a.url), [A, A])
    s.verified(asked[0]!.piece, A, 4000)
    assert.equal(drain(s, 8000).length, 1, 'a mirror slot, and the web seed still waits')
    assert.equal(s.wakeAt(8000), 9000)
    assert.deepEqual(drain(s, 9000).map((a) => a.url), [WEB, WEB])
  })

  it('a wrong answer drops its source at once; the piece goes to another', function () {
    const s = scheduler({ parallel: 1 })
    s.setMirrors([A, B])
    const first = s.next(0)!
    assert.deepEqual([first.piece, first.url], [0, A])
    assert.equal(s.failed(0, A, 'wrong', 0), true)
    const again = s.next(0)!
    assert.deepEqual([again.piece, again.url], [0, B])
    s.verified(0, B, 0)
    for (let i = 0; i < 20; i++) {
      const next = s.next(0)
      if (next === undefined) break
      assert.notEqual(next.url, A)
      s.verified(next.piece, next.url, 0)
    }
    assert.equal(s.done(), true)
    assert.deepEqual(s.sources().find((r) => r.url === A), { url: A, kind: 'mirror', served: 0, dropped: true })
    // Listed again by the origin, a dropped mirror stays dropped for this fetch.
    s.setMirrors([A, B])
    assert.equal(s.sources().find((r) => r.url === A)!.dropped, true)
  })

  it('a source that does not answer rests, longer each time, and is dropped after maxErrors in a row', function () {
    const s = scheduler({ webSeeds: [], parallel: 1 })
    s.setMirrors([A])
    assert.equal(s.failed(s.next(0)!.piece, A, 'transient', 0), false)
    assert.equal(s.next(500), undefined)
    assert.equal(s.wakeAt(500), 1000)
    assert.equal(s.stuck(), false)
    s.failed(s.next(1000)!.piece, A, 'transient', 1000)
    assert.equal(s.wakeAt(1000), 3000)
    assert.equal(s.next(2999), undefined)
    assert.equal(s.failed(s.next(3000)!.piece, A, 'transient', 3000), true)
    assert.equal(s.next(1e9), undefined)
    assert.equal(s.stuck(), true)
  })

  it('an answer resets the count of failures in a row', function () {
    const s = scheduler({ webSeeds: [], parallel: 1 })
    s.setMirrors([A])
    for (let round = 0; round < 5; round++) {
      s.failed(s.next(round * 10_000)!.piece, A, 'transient', round * 10_000)
      const next = s.next(round * 10_000 + 5000)!
      s.verified(next.piece, A, 0)
    }
    assert.equal(s.sources()[0]!.dropped, false)
    assert.equal([...Array(10).keys()].filter((piece) => s.isVerified(piece)).length, 5)
  })

  it('is stuck only when nothing is in flight and every source is dropped', function () {
    const s = scheduler({ parallel: 2 })
    s.setMirrors([A])
    const [a, b] = drain(s)
    assert.equal(s.failed(a!.piece, a!.url, 'wrong', 0), true)
    assert.equal(s.stuck(), false)
    assert.equal(s.failed(b!.piece, b!.url, 'wrong', 0), false, 'dropped already')
    assert.equal(s.stuck(), false, 'the web seed is left')
    const w = s.next(0)!
    assert.equal(w.url, WEB)
    s.failed(w.piece, WEB, 'wrong', 0)
    assert.equal(s.stuck(), true)
  })

  it('a mirror the origin no longer lists gets no more requests', function () {
    const s = scheduler({ webSeeds: [], parallel: 1 })
    s.setMirrors([A, B])
    s.verified(s.next(0)!.piece, A, 0)
    s.setMirrors([B])
    for (let i = 0; i < 5; i++) {
      const next = s.next(0)!
      assert.equal(next.url, B)
      s.verified(next.piece, B, 0)
    }
  })

  it('skips pieces already on disk, and puts a piece a reader waits for first', function () {
    const s = scheduler({ verified: [0, 1, 2], parallel: 1, webSeeds: [WEB] })
    assert.deepEqual([0, 1, 2, 3].map((piece) => s.isVerified(piece)), [true, true, true, false])
    s.want(7)
    s.want(1)
    const first = s.next(0)!
    assert.equal(first.piece, 7)
    s.verified(7, WEB, 0)
    const second = s.next(0)!
    assert.equal(second.piece, 3)
  })

  it('never asks for a piece twice at once, nor more than `parallel` requests', function () {
    const s = scheduler({ pieces: 3, parallel: 8, perSource: 8 })
    s.setMirrors([A])
    assert.deepEqual(drain(s).map((a) => a.piece), [0, 1, 2])
    const t = scheduler({ pieces: 100, parallel: 3, perSource: 8 })
    assert.equal(drain(t).length, 3)
  })
})
