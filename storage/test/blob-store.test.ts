import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import { buffer } from 'node:stream/consumers'
import { BlobNotFoundError, createFsBlobStore, createS3BlobStore, InvalidBlobKeyError, type BlobStore } from '@fedswarm/storage'
import { startS3Server, tempDir, type S3Server, type TempDir } from '@fedswarm/testkit'

interface Backend { name: string, open (dir: string): Promise<{ store: BlobStore, stop (): Promise<void> }> }

const backends: Backend[] = [
  { name: 'folder', open: async (dir) => ({ store: createFsBlobStore(join(dir, 'blobs')), stop: async () => {} }) },
  {
    name: 'folder keeping descriptors open',
    async open (dir) {
      const store = createFsBlobStore(join(dir, 'blobs'), { keepOpen: { max: 2, idleMs: 100 } })
      return { store, stop: async () => store.close() }
    }
  },
  {
    name: 's3 (s3rver)',
    async open () {
      const s3: S3Server = await startS3Server()
      const store = createS3BlobStore({ bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials })
      return { store, stop: async () => { store.close(); await s3.stop() } }
    }
  }
]

for (const backend of backends) {
  describe(`blob store contract on ${backend.name}`, function () {
    let dir: TempDir
    let store: BlobStore
    let stop: () => Promise<void>
    const bytes = randomBytes(300_000)

    beforeEach(async function () {
      dir = await tempDir()
      ;({ store, stop } = await backend.open(dir.path))
    })
    afterEach(async function () {
      await stop()
      await dir.remove()
    })

    async function put (key: string): Promise<void> {
      const file = join(dir.path, `upload-${randomBytes(4).toString('hex')}`)
      await writeFile(file, bytes)
      await store.putFile(key, file, 'application/octet-stream')
    }

    it('stores a file and reads it whole and by range', async function () {
      await put('fedswarm/item-1')
      assert.deepEqual(await buffer(await store.read('fedswarm/item-1')), bytes)
      assert.deepEqual(await buffer(await store.read('fedswarm/item-1', { start: 1000, end: 1999 })), bytes.subarray(1000, 2000))
      assert.deepEqual(await buffer(await store.read('fedswarm/item-1', { start: bytes.length - 1, end: bytes.length - 1 })), bytes.subarray(-1))
      assert.deepEqual(await store.stat('fedswarm/item-1'), { size: bytes.length })
    })

    it('reports a missing blob as BlobNotFoundError and stat null', async function () {
      await assert.rejects(store.read('fedswarm/none'), BlobNotFoundError)
      assert.equal(await store.stat('fedswarm/none'), null)
    })

    it('deletes idempotently', async function () {
      await put('fedswarm/item-2')
      await store.delete('fedswarm/item-2')
      await store.delete('fedswarm/item-2')
      assert.equal(await store.stat('fedswarm/item-2'), null)
    })

    it('reads nothing of a blob once it is deleted, even right after ranged reads of it', async function () {
      await put('fedswarm/item-3')
      for (let i = 0; i < 3; i++) assert.deepEqual(await buffer(await store.read('fedswarm/item-3', { start: i * 100, end: i * 100 + 99 })), bytes.subarray(i * 100, i * 100 + 100))
      await store.delete('fedswarm/item-3')
      await assert.rejects(store.read('fedswarm/item-3', { start: 0, end: 99 }), BlobNotFoundError)
    })

    it('refuses keys that could escape the root', async function () {
      for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', '', 'a\\b', './a', 'a/.', '%2e%2e/x']) {
        await assert.rejects(store.read(key), InvalidBlobKeyError, key)
      }
    })
  })
}

describe('fs blob store folder layout', function () {
  it('keeps blobs under its root', async function () {
    const dir = await tempDir()
    try {
      const store = createFsBlobStore(join(dir.path, 'blobs'))
      const file = join(dir.path, 'f')
      await writeFile(file, 'hello')
      await store.putFile('fedswarm/x', file, 'text/plain')
      assert.equal(await text(await store.read('fedswarm/x')), 'hello')
    } finally {
      await dir.remove()
    }
  })
})
