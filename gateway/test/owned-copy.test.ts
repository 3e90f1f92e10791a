import assert from 'node:assert/strict'
import { ownedCopy } from '../src/media/owned-copy.ts'

describe('a cached torrent owns its bytes', function () {
  it('copies a slice of a larger buffer into memory of its own, with the same bytes', function () {
    const pool = Buffer.alloc(64 * 1024, 7)
    const slice = pool.subarray(1000, 1300)
    const copy = ownedCopy(slice)
    assert.equal(copy.buffer.byteLength, 300)
    assert.deepEqual(copy, slice)
    pool.fill(0)
    assert.equal(copy[0], 7, 'the copy does not share the pool')
  })

  it('keeps a buffer that already owns exactly its bytes', function () {
    const own = Buffer.allocUnsafeSlow(300).fill(1)
    assert.equal(ownedCopy(own), own)
  })
})
