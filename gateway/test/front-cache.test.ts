import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdir, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pino } from 'pino'
import { tempDir, type TempDir } from '@fedswarm/testkit'
import { createObjectCache, type ObjectCache } from '../src/front/object-cache.ts'

const log = pino({ level: 'silent' })

describe('front object cache (LRU on local disk)', function () {
  let dir: TempDir
  let n = 0
  beforeEach(async function () { dir = await tempDir('fedswarm-front-cache-') })
  afterEach(async function () { await dir.remove() })

  const cacheDir = (): string => join(dir.path, 'front-cache')
  const open = async (maxBytes: number): Promise<ObjectCache> => {
    const cache = createObjectCache({ dir: cacheDir(), maxBytes, log })
    await cache.load()
    return cache
  }
  /** A complete file of `size` random bytes, as the indexer leaves it in DATA/tmp. */
  const file = async (size: number): Promise<{ path: string, bytes: Buffer }> => {
    const bytes = randomBytes(size)
    const path = join(dir.path, `tmp-${n++}`)
    await writeFile(path, bytes)
    return { path, bytes }
  }
  const bytesOf = async (stream: Readable | undefined): Promise<Buffer | undefined> =>
    stream === undefined ? undefined : Buffer.concat(await stream.toArray() as Buffer[])

  it('serves what it admitted, whole or ranged; removes on request', async function () {
    const cache = await open(1000)
    const { path, bytes } = await file(300)
    assert.equal(await cache.admit('media_attachments/a.png', path, 300), true)
    assert.deepEqual(await bytesOf(await cache.read('media_attachments/a.png')), bytes)
    assert.deepEqual(await bytesOf(await cache.read('media_attachments/a.png', { start: 10, end: 19 })), bytes.subarray(10, 20))
    assert.equal(await cache.read('media_attachments/b.png'), undefined)
    assert.deepEqual(cache.stats(), { entries: 1, bytes: 300 })
    await cache.remove('media_attachments/a.png')
    assert.equal(await cache.read('media_attachments/a.png'), undefined)
    assert.deepEqual(await readdir(cacheDir()), [])
  })

  it('keeps under its size cap, the least recently used out first; refuses what cannot fit', async function () {
    const cache = await open(1000)
    for (const key of ['a', 'b', 'c']) assert.equal(await cache.admit(key, (await file(400)).path, 400), true)
    // a went to make room for c.
    assert.equal(cache.has('a'), false)
    assert.ok(await bytesOf(await cache.read('b')) !== undefined)
    await cache.admit('d', (await file(400)).path, 400)
    // b was read after c was admitted: c is the least recently used.
    assert.equal(cache.has('c'), false)
    assert.equal(cache.has('b'), true)
    assert.deepEqual(cache.stats(), { entries: 2, bytes: 800 })
    const big = await file(1001)
    assert.equal(await cache.admit('e', big.path, 1001), false)
    assert.equal((await readdir(cacheDir())).length, 2)
    const off = createObjectCache({ dir: join(dir.path, 'off'), maxBytes: 0, log })
    await off.load()
    assert.equal(await off.admit('x', (await file(1)).path, 1), false)
  })

  it('never serves an entry whose size changed, and finds its entries again after a restart', async function () {
    const first = await open(1000)
    const a = await file(100)
    const b = await file(200)
    await first.admit('a', a.path, 100)
    await first.admit('b', b.path, 200)
    const [nameA] = (await readdir(cacheDir())).filter((name) => name.endsWith('-100'))
    await truncate(join(cacheDir(), nameA!), 50)
    assert.equal(await first.read('a'), undefined)
    assert.equal(first.has('a'), false)

    await first.admit('a', (await file(100)).path, 100)
    await truncate(join(cacheDir(), nameA!), 10)
    await writeFile(join(cacheDir(), 'not-an-entry'), 'x')
    const second = await open(1000)
    assert.equal(second.has('a'), false, 'a truncated file is dropped at load')
    assert.deepEqual(await bytesOf(await second.read('b')), b.bytes)
    assert.deepEqual(await readdir(cacheDir()), (await readdir(cacheDir())).filter((name) => name.endsWith('-200')))
    assert.deepEqual(second.stats(), { entries: 1, bytes: 200 })
  })
})
