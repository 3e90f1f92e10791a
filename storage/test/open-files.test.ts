import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdir, readlink, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import { createOpenFiles, type OpenFiles } from '../src/open-files.ts'
import { eventually, tempDir, type TempDir } from '@fedswarm/testkit'

/** How many descriptors of this process point at files under `dir`. */
async function descriptorsUnder (dir: string): Promise<number> {
  let count = 0
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
    if (target.startsWith(dir)) count++
  }
  return count
}

describe('descriptors kept open for ranged reads (open-files.ts)', function () {
  let dir: TempDir
  let files: OpenFiles
  const bytes = randomBytes(100_000)
  const paths: string[] = []

  beforeEach(async function () {
    dir = await tempDir()
    paths.length = 0
    for (let i = 0; i < 3; i++) {
      paths.push(join(dir.path, `f${i}`))
      await writeFile(paths[i]!, bytes)
    }
    files = createOpenFiles({ max: 2, idleMs: 100 })
  })
  afterEach(async function () {
    files.close()
    await dir.remove()
  })

  it('reads ranges byte-exact, many at once from one descriptor, and a range past the end as far as the file goes', async function () {
    const ranges = Array.from({ length: 20 }, (_, i) => ({ start: i * 4999, end: i * 4999 + 70_000 > bytes.length - 1 ? bytes.length - 1 : i * 4999 + 70_000 }))
    const read = await Promise.all(ranges.map(async (r) => buffer(await files.read(paths[0]!, r.start, r.end))))
    for (const [i, r] of ranges.entries()) assert.deepEqual(read[i], bytes.subarray(r.start, r.end + 1))
    assert.equal(await descriptorsUnder(dir.path), 1)
    assert.equal((await buffer(await files.read(paths[0]!, bytes.length - 10, bytes.length + 10))).length, 10)
  })

  it('keeps at most `max` descriptors, closes idle ones, and reopens on the next read', async function () {
    for (const path of paths) await buffer(await files.read(path, 0, 9))
    assert.equal(await descriptorsUnder(dir.path), 2)
    await eventually('the idle descriptors to close', 2000, async () => await descriptorsUnder(dir.path) === 0 ? true : undefined)
    assert.deepEqual(await buffer(await files.read(paths[2]!, 5, 9)), bytes.subarray(5, 10))
  })

  it('after forget, reads the file now at the path, and rejects when there is none', async function () {
    await buffer(await files.read(paths[0]!, 0, 9))
    const other = randomBytes(50)
    await writeFile(paths[0]!, other)
    files.forget(paths[0]!)
    assert.deepEqual(await buffer(await files.read(paths[0]!, 0, 9)), other.subarray(0, 10))
    await rm(paths[0]!)
    files.forget(paths[0]!)
    await assert.rejects(files.read(paths[0]!, 0, 9), { code: 'ENOENT' })
    await assert.rejects(files.read(join(dir.path, 'none'), 0, 9), { code: 'ENOENT' })
  })

  it('closes a descriptor that was in use only once its last stream is done, also when streams are destroyed midway', async function () {
    const kept = await files.read(paths[0]!, 0, bytes.length - 1)
    const cut = await files.read(paths[0]!, 0, bytes.length - 1)
    cut.destroy()
    files.forget(paths[0]!)
    assert.equal(await descriptorsUnder(dir.path), 1)
    assert.deepEqual(await buffer(kept), bytes)
    await eventually('the forgotten descriptor to close', 2000, async () => await descriptorsUnder(dir.path) === 0 ? true : undefined)
  })
})
