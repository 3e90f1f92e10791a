import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, type TempDir } from '@fedswarm/testkit'
import { pieceSpec, type PieceLayout } from '../src/piece-answer.ts'
import { openPieceFile } from '../src/piece-file.ts'

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64url')
const ITEM = Buffer.from(Array.from({ length: 2500 }, (_, i) => (i * 7) % 256))
const layout: PieceLayout = {
  total: ITEM.length,
  pieceLength: 1024,
  hashes: [0, 1024, 2048].map((start) => createHash('sha1').update(ITEM.subarray(start, start + 1024)).digest('hex')),
  etag: '"x"'
}

describe('piece file (HTTP transport)', function () {
  let dir: TempDir
  beforeEach(async function () { dir = await tempDir('fedswarm-piece-file-') })
  afterEach(async function () { await dir.remove() })

  it('creates the file and writes pieces at their place, in any order', async function () {
    const path = join(dir.path, 'item')
    const file = await openPieceFile(path, layout)
    assert.deepEqual(file.verified, [])
    for (const index of [2, 0, 1]) {
      const spec = pieceSpec(layout, index)
      await file.write(spec, ITEM.subarray(spec.start, spec.start + spec.length))
    }
    assert.equal(await file.sha256(), sha256(ITEM))
    await file.close()
    assert.deepEqual(await readFile(path), ITEM)
  })

  it('resumes: pieces on disk that match their hash count as verified, the rest do not, and a file too long is cut', async function () {
    const path = join(dir.path, 'item')
    const onDisk = Buffer.concat([ITEM, Buffer.from('trailing garbage')])
    onDisk[1500] = onDisk[1500]! ^ 1
    await writeFile(path, onDisk)
    const file = await openPieceFile(path, layout)
    assert.deepEqual(file.verified, [0, 2])
    assert.equal((await stat(path)).size, ITEM.length)
    const spec = pieceSpec(layout, 1)
    await file.write(spec, ITEM.subarray(spec.start, spec.start + spec.length))
    // The digest covers the pieces found on disk as well as the one written.
    assert.equal(await file.sha256(), sha256(ITEM))
    await file.close()
  })
})
