import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256Of } from '@fedswarm/protocol'
import { eventually, itemIdOf, mastodonKey, pngBytes, rawRequest, startMastodonStore, type MastodonStore } from '@fedswarm/testkit'
import { publish, startOriginFixture, type OriginFixture } from '@fedswarm/origin-fixture'
import { requestsOf, startMirrorDouble, type MirrorDouble } from './mirror-double.ts'

const SIZE = 300_000

for (const kind of ['s3', 'fs'] as const) {
  describe(`drop-in front (FEDSWARM_FRONT=${kind}): GET|HEAD /<key>`, function () {
    let store: MastodonStore
    let fixture: OriginFixture
    const get = (key: string, init: RequestInit = {}): Promise<Response> => fixture.api(`/${key}`, init)
    const bytesOf = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer())

    before(async function () {
      store = await startMastodonStore(kind)
      // No cache: every read goes to the store, so a removal shows at the next request.
      fixture = await startOriginFixture(undefined, { ...store.env, FEDSWARM_FRONT_CACHE_SIZE: '0', FEDSWARM_HOT_THRESHOLD: '1000' })
    })
    after(async function () {
      await fixture?.stop()
      await store?.stop()
    })

    it('serves an object byte for byte as an item: Range, ETag, the safe media headers, the manifest link', async function () {
      const bytes = pngBytes(SIZE)
      const key = mastodonKey()
      // The type the store claims is not what is served: the bytes decide.
      await store.put(key, bytes, 'text/html')
      const response = await get(key)
      assert.equal(response.status, 200)
      assert.deepEqual(await bytesOf(response), bytes)
      const h = response.headers
      assert.equal(h.get('content-type'), 'image/png')
      assert.equal(h.get('etag'), `"${sha256Of(bytes)}"`)
      assert.equal(h.get('x-content-type-options'), 'nosniff')
      assert.equal(h.get('content-security-policy'), "default-src 'none'; sandbox")
      assert.equal(h.get('cross-origin-resource-policy'), 'cross-origin')
      assert.equal(h.get('accept-ranges'), 'bytes')
      assert.equal(h.get('set-cookie'), null)
      assert.deepEqual([...h.keys()].filter((name) => name.startsWith('x-amz')), [])
      const id = itemIdOf(h)
      assert.ok(id !== undefined, 'the response links to the item\'s manifest')

      const manifest = await (await fixture.api(`/api/media/${id}`)).json() as { sha256: string, size: number, mediaType: string, infoHash: string }
      assert.equal(manifest.sha256, sha256Of(bytes))
      assert.equal(manifest.size, SIZE)
      // The web seed serves the same bytes, read from the server's store.
      assert.deepEqual(await bytesOf(await fixture.api(`/media/${id}`)), bytes)

      const ranged = await get(key, { headers: { range: 'bytes=1000-1999' } })
      assert.equal(ranged.status, 206)
      assert.equal(ranged.headers.get('content-range'), `bytes 1000-1999/${SIZE}`)
      assert.deepEqual(await bytesOf(ranged), bytes.subarray(1000, 2000))
      const suffix = await get(key, { headers: { range: 'bytes=-10' } })
      assert.deepEqual(await bytesOf(suffix), bytes.subarray(SIZE - 10))
      assert.equal((await get(key, { headers: { 'if-none-match': `"${sha256Of(bytes)}"` } })).status, 304)
      const head = await get(key, { method: 'HEAD' })
      assert.equal(head.status, 200)
      assert.equal(head.headers.get('content-length'), String(SIZE))
      assert.equal(itemIdOf(head.headers), id, 'the same key is the same item')

      // The same bytes under another key (Mastodon stored them twice) are the same item.
      const twin = mastodonKey()
      await store.put(twin, bytes)
      assert.equal(itemIdOf((await get(twin, { method: 'HEAD' })).headers), id)
    })

    it('serves what is not allowed media only as a download, never as a page', async function () {
      for (const [name, body] of [
        ['page.html', '<!doctype html><script>alert(1)</script>'],
        ['image.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
        ['empty.png', '']
      ] as const) {
        const key = `media_attachments/files/109/1/1/original/${name}`
        await store.put(key, Buffer.from(body))
        const response = await get(key)
        assert.equal(response.status, 200, name)
        assert.equal(response.headers.get('content-type'), 'application/octet-stream', name)
        assert.equal(response.headers.get('content-disposition'), `attachment; filename="${name}"`, name)
        assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; sandbox", name)
        assert.equal(itemIdOf(response.headers), undefined, `${name} is not an item`)
        assert.equal((await bytesOf(response)).toString(), body, name)
      }
    })

    it('refuses keys that try to leave the store, and listings; answers 404 for a missing key', async function () {
      for (const path of [
        '/media_attachments/../../etc/passwd',
        '/media_attachments/%2e%2e/%2e%2e/etc/passwd',
        '/media_attachments%2F..%2F..%2Fetc%2Fpasswd',
        '/media_attachments/files/..%5c..%5cetc',
        '/media_attachments//files',
        '/media_attachments/files/',
        '/.env',
        '/fedswarm/01ARZ3NDEKTSV4RRFFQ69G5FAV',
        '/media_attachments/%00'
      ]) {
        const response = await rawRequest(fixture.origin.port, { path })
        assert.equal(response.status, 400, path)
        assert.equal(JSON.parse(response.body.toString()).error, 'invalid_key', path)
      }
      if (kind === 'fs') {
        // A link in the folder that leads out of it is refused as well.
        await symlink(tmpdir(), join(store.env.FEDSWARM_FRONT_ROOT!, 'escape'))
        await writeFile(join(tmpdir(), `fedswarm-outside-${process.pid}.png`), pngBytes(1000))
        const outside = await get(`escape/fedswarm-outside-${process.pid}.png`)
        await rm(join(tmpdir(), `fedswarm-outside-${process.pid}.png`))
        assert.equal(outside.status, 400)
        assert.equal((await outside.json() as { error: string }).error, 'invalid_key')
      }
      const missing = await get(mastodonKey())
      assert.equal(missing.status, 404)
      assert.equal((await missing.json() as { error: string }).error, 'object_not_found')
      const post = await fixture.api(`/${mastodonKey()}`, { method: 'POST', body: 'x' })
      assert.equal(post.status, 405)
      assert.equal(post.headers.get('allow'), 'GET, HEAD')
    })

    it('does not shadow the origin\'s own routes', async function () {
      assert.deepEqual(await (await fixture.api('/healthz')).json(), { ok: true })
      assert.equal((await fixture.api('/.well-known/fedswarm')).status, 200)
      for (const path of ['/api/nothing', '/API/nothing', '/media/not-an-id', '/metrics', '/stats', '/scrape', '/announce']) {
        const response = await fixture.api(path)
        assert.notEqual(response.status, 200, path)
        assert.notEqual((await response.json() as { error: string }).error, 'object_not_found', path)
      }
    })

    it('an admin DELETE of a front item answers 410 at the key and leaves the server\'s object alone', async function () {
      const bytes = pngBytes(SIZE)
      const key = mastodonKey()
      await store.put(key, bytes)
      const id = itemIdOf((await get(key, { method: 'HEAD' })).headers)!
      const deleted = await fixture.api(`/api/media/${id}`, { method: 'DELETE', admin: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'moderation' }) })
      assert.equal(deleted.status, 200)
      assert.equal((await get(key)).status, 410)
      assert.equal((await fixture.api(`/media/${id}`)).status, 410)
      assert.ok(await store.exists(key), 'deleting Mastodon\'s file is Mastodon\'s job')
      // The same bytes under a new key stay refused: the moderation holds.
      const again = mastodonKey()
      await store.put(again, bytes)
      assert.equal((await get(again)).status, 410)
    })

    it('an object removed from the store answers 410 and deletes its item; the server may store the bytes again', async function () {
      const bytes = pngBytes(SIZE)
      const key = mastodonKey()
      const twin = mastodonKey()
      await store.put(key, bytes)
      await store.put(twin, bytes)
      const id = itemIdOf((await get(key, { method: 'HEAD' })).headers)!
      assert.equal(itemIdOf((await get(twin, { method: 'HEAD' })).headers), id)

      // One of two keys goes: the bytes are still the server's under the other, the item lives on.
      await store.remove(key)
      assert.equal((await get(key)).status, 404)
      const still = await get(twin)
      assert.equal(still.status, 200)
      assert.deepEqual(await bytesOf(still), bytes)
      assert.deepEqual(await bytesOf(await fixture.api(`/media/${id}`)), bytes, 'the item is read from the other key now')

      // The last one goes: the deletion sequence runs.
      await store.remove(twin)
      const gone = await get(twin)
      assert.equal(gone.status, 410)
      const manifest = await fixture.api(`/api/media/${id}`)
      assert.equal(manifest.status, 410)
      assert.equal(((await manifest.json()) as { notice: { reason: string } }).notice.reason, 'removed from the server\'s store')
      assert.equal((await get(twin)).status, 410, 'the key stays gone')

      // Mastodon fetches the same remote media again: a new item.
      const refetched = mastodonKey()
      await store.put(refetched, bytes)
      const back = await get(refetched)
      assert.equal(back.status, 200)
      assert.deepEqual(await bytesOf(back), bytes)
      assert.notEqual(itemIdOf(back.headers), id)
      // And an object stored again under the removed key is served again.
      await store.put(twin, bytes)
      assert.equal((await get(twin)).status, 200)
    })

    it('serves a large object straight from the store while it is made an item in the background', async function () {
      this.timeout(60_000)
      const bytes = pngBytes(9 * 1024 * 1024)
      const key = mastodonKey()
      await store.put(key, bytes)
      const first = await get(key)
      assert.equal(first.status, 200)
      assert.equal(first.headers.get('content-type'), 'image/png')
      assert.match(first.headers.get('etag') ?? '', /^W\//, 'not hashed yet')
      assert.deepEqual(await bytesOf(first), bytes)
      const id = await eventually('the key to become an item', 30_000, async () => itemIdOf((await get(key, { method: 'HEAD' })).headers))
      const manifest = await (await fixture.api(`/api/media/${id}`)).json() as { sha256: string }
      assert.equal(manifest.sha256, sha256Of(bytes))
    })
  })
}

describe('drop-in front: the local cache and the periodic check', function () {
  let store: MastodonStore
  let fixture: OriginFixture

  before(async function () {
    store = await startMastodonStore('s3')
    fixture = await startOriginFixture(undefined, { ...store.env, FEDSWARM_FRONT_CHECK_INTERVAL: '300ms', FEDSWARM_FRONT_PREFIX: '/system' })
  })
  after(async function () {
    await fixture?.stop()
    await store?.stop()
  })
  const cacheEntries = async (): Promise<string[]> => readdir(join(fixture.dir.path, 'front-cache'))

  it('serves a served object from the cache, and the periodic check notices its removal', async function () {
    const bytes = pngBytes(200_000)
    const key = mastodonKey()
    await store.put(key, bytes)
    assert.equal((await fixture.api(`/${key}`)).status, 404, 'with a prefix, keys are under it only')
    const first = await fixture.api(`/system/${key}`)
    assert.equal(first.status, 200)
    assert.deepEqual(Buffer.from(await first.arrayBuffer()), bytes)
    const id = itemIdOf(first.headers)!
    // The copy read to hash the object is its cache entry: later requests are not read from S3.
    assert.deepEqual(await cacheEntries(), [`${createHash('sha256').update(key).digest('hex')}-${bytes.length}`])
    await store.remove(key)
    await eventually('the item deleted by the periodic check', 10_000, async () => (await fixture.api(`/api/media/${id}`)).status === 410 ? true : undefined)
    assert.equal((await fixture.api(`/system/${key}`)).status, 410)
    assert.deepEqual(await cacheEntries(), [])
  })
})

describe('drop-in front: a GET of a key in a storm\'s first seconds (FEDSWARM_REDIRECT_WAIT)', function () {
  this.timeout(60_000)
  let store: MastodonStore
  let fixture: OriginFixture
  let trusted: MirrorDouble


  before(async function () {
    store = await startMastodonStore('fs')
    fixture = await startOriginFixture(undefined, { ...store.env, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_MIRROR_CHECK_INTERVAL: '200ms', FEDSWARM_REDIRECT_WAIT: '8s' })
    // A mirror earns trust with a verified copy of another item.
    trusted = await startMirrorDouble(fixture.url)
    const bytes = pngBytes(400_000)
    const other = (await publish(fixture, bytes, '?hot=1')).manifest
    await trusted.hold(other, bytes)
    await eventually('a verified mirror', 10_000, async () => ((await (await fixture.api(`/api/media/${other.id}`)).json()) as { mirrors: string[] }).mirrors.length === 1 ? true : undefined)
  })
  after(async function () {
    await trusted?.close()
    await fixture?.stop()
    await store?.stop()
  })

  it('waits for a trusted mirror to report its fetch, and redirects to it as /media/:id does', async function () {
    const bytes = pngBytes(500_000)
    const key = mastodonKey()
    await store.put(key, bytes)
    const id = itemIdOf((await fixture.api(`/${key}`, { method: 'HEAD' })).headers)
    // Made hot at once, as a storm makes it: the same bytes published with ?hot=1 are the key's item.
    const item = (await publish(fixture, bytes, '?hot=1')).manifest
    assert.equal(item.id, id)
    const answer = fetch(`${fixture.url}/${key}`, { redirect: 'manual' })
    // The GET has reached the origin (it counts towards popularity before the redirect decision) and found no mirror.
    await eventually('the origin to count the GET', 5_000, async () => await requestsOf(fixture, item.id) >= 1 ? true : undefined)
    await trusted.fill(item)
    const response = await answer
    await response.arrayBuffer()
    assert.equal(response.status, 302)
    assert.equal(response.headers.get('location'), `${trusted.mirrorUrl(item.infoHash)}?progressive=1`)
  })
})
