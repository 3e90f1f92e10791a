import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { judgePiece, pieceRange, pieceSpec, type PieceLayout } from '../src/piece-answer.ts'
import { usableMirrors } from '../src/http-transport.ts'

const ITEM = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251))
const ETAG = '"c2hhMjU2LW9mLXRoZS1pdGVt"'
const layout: PieceLayout = {
  total: ITEM.length,
  pieceLength: 1024,
  hashes: [0, 1024, 2048].map((start) => createHash('sha1').update(ITEM.subarray(start, start + 1024)).digest('hex')),
  etag: ETAG
}

const answer = (status: number, body: Buffer, headers: Record<string, string> = {}) => ({ status, body, headers: { etag: ETAG, ...headers } })
const ranged = (index: number, body?: Buffer, headers: Record<string, string> = {}) => {
  const spec = pieceSpec(layout, index)
  return answer(206, body ?? ITEM.subarray(spec.start, spec.start + spec.length), { 'content-range': `bytes ${spec.start}-${spec.start + spec.length - 1}/${ITEM.length}`, ...headers })
}

describe('piece answers (HTTP transport)', function () {
  it('describes each piece and asks for exactly it, the last one shorter', function () {
    assert.deepEqual(pieceSpec(layout, 2), { index: 2, start: 2048, length: 452, total: 2500, sha1: layout.hashes[2], etag: ETAG })
    assert.equal(pieceRange(pieceSpec(layout, 0)), 'bytes=0-1023')
    assert.equal(pieceRange(pieceSpec(layout, 2)), 'bytes=2048-2499')
  })

  it('accepts the piece: 206, its range, the item\'s ETag (or none), its length and SHA-1', function () {
    for (const index of [0, 1, 2]) assert.deepEqual(judgePiece(ranged(index), pieceSpec(layout, index)), { ok: true })
    const noEtag = ranged(1)
    delete (noEtag.headers as Record<string, string | undefined>).etag
    assert.deepEqual(judgePiece(noEtag, pieceSpec(layout, 1)), { ok: true })
    assert.deepEqual(judgePiece(ranged(1, undefined, { etag: `W/${ETAG}` }), pieceSpec(layout, 1)), { ok: true })
  })

  it('calls every other answer wrong', function () {
    const spec = pieceSpec(layout, 1)
    const flipped = Buffer.from(ITEM.subarray(1024, 2048))
    flipped[100]! ^= 1
    const cases = [
      [ranged(1, flipped), /SHA-1/],
      [ranged(1, ITEM.subarray(1024, 2047)), /1023 bytes/],
      [ranged(1, undefined, { etag: '"another"' }), /ETag/],
      [ranged(1, undefined, { 'content-range': 'bytes 0-1023/2500' }), /Content-Range/],
      [ranged(1, undefined, { 'content-range': 'bytes 1024-2047/9999' }), /Content-Range/],
      [answer(200, ITEM), /HTTP 200/],
      [answer(404, Buffer.from('{}')), /HTTP 404/],
      [answer(302, Buffer.alloc(0)), /HTTP 302/]
    ] as const
    for (const [reply, reason] of cases) {
      const verdict = judgePiece(reply, spec)
      assert.ok(!verdict.ok && verdict.fault === 'wrong' && reason.test(verdict.reason), `${JSON.stringify(verdict)} ${String(reason)}`)
    }
  })

  it('takes a busy or failing source for a transient fault', function () {
    for (const status of [429, 500, 503]) assert.deepEqual(judgePiece(answer(status, Buffer.alloc(0)), pieceSpec(layout, 0)), { ok: false, fault: 'transient', reason: `HTTP ${status}` })
  })

  it('accepts a 200 only when the piece is the whole item', function () {
    const small: PieceLayout = { total: 10, pieceLength: 16, hashes: [createHash('sha1').update(ITEM.subarray(0, 10)).digest('hex')], etag: ETAG }
    assert.deepEqual(judgePiece(answer(200, ITEM.subarray(0, 10)), pieceSpec(small, 0)), { ok: true })
  })

  it('uses as mirrors only other seeders\' mirror URLs of the item', function () {
    const hash = 'a'.repeat(40)
    const urls = [
      `https://a.example/media/${hash}`,
      `http://b.example:8090/media/${hash}`,
      `https://me.example/media/${hash}`,
      `https://c.example/media/${'b'.repeat(40)}`,
      `https://d.example/other/${hash}`,
      `https://e.example/media/${hash}?x=1`,
      `https://user:pw@f.example/media/${hash}`,
      `ftp://g.example/media/${hash}`,
      'not a url'
    ]
    assert.deepEqual(usableMirrors(urls, hash, 'https://me.example'), urls.slice(0, 2))
  })
})
