import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createOrderedDigest } from '../src/ordered-digest.ts'

const PIECES = Array.from({ length: 5 }, (_, i) => Buffer.alloc(100 + i, i + 1))
const WHOLE = createHash('sha256').update(Buffer.concat(PIECES)).digest('base64url')

/** A digest over PIECES that records which pieces it read, in what order. */
function recording (fail?: number): { digest: ReturnType<typeof createOrderedDigest>, reads: number[] } {
  const reads: number[] = []
  const digest = createOrderedDigest(PIECES.length, async (index) => {
    reads.push(index)
    if (index === fail) throw new Error(`cannot read piece ${index}`)
    return PIECES[index]!
  })
  return { digest, reads }
}

describe('ordered digest', function () {
  it('hashes pieces verified in any order as the SHA-256 of the whole, reading each once, in order', async function () {
    const { digest, reads } = recording()
    for (const index of [3, 1, 0, 0, 4, 2, 7, -1]) digest.verified(index)
    assert.equal(await digest.digest(), WHOLE)
    assert.deepEqual(reads, [0, 1, 2, 3, 4])
  })

  it('hashes the prefix before the end: only the pieces after a gap are left for digest()', async function () {
    const { digest, reads } = recording()
    digest.verified(0)
    digest.verified(1)
    digest.verified(3)
    // The prefix is read as soon as it is there: wait for those reads, bounded.
    for (let turn = 0; reads.length < 2 && turn < 100; turn++) await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(reads, [0, 1])
    assert.equal(await digest.digest(), WHOLE)
    assert.deepEqual(reads, [0, 1, 2, 3, 4])
  })

  it('reads the pieces never reported verified, so the digest always covers the whole item', async function () {
    const { digest } = recording()
    digest.verified(2)
    assert.equal(await digest.digest(), WHOLE)
  })

  it('hashes a piece that comes with its bytes from them, and keeps those ahead of a gap, within its bound, instead of reading them back', async function () {
    const reads: number[] = []
    // Room for pieces 3 and 4 (103 and 104 bytes) but not also 2 (102).
    const digest = createOrderedDigest(PIECES.length, async (index) => { reads.push(index); return PIECES[index]! }, 210)
    for (const index of [3, 4, 2]) digest.verified(index, PIECES[index])
    digest.verified(1)
    digest.verified(0, PIECES[0])
    assert.equal(await digest.digest(), WHOLE)
    assert.deepEqual(reads, [1, 2], 'read: the piece that came without bytes, and the one past the bound')
  })

  it('rejects when a piece cannot be read', async function () {
    const { digest } = recording(1)
    digest.verified(0)
    digest.verified(1)
    await assert.rejects(digest.digest(), /cannot read piece 1/)
  })
})
