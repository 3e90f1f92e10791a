import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { manifestSchema, sha256Of, type Manifest } from '@fedswarm/protocol'
import { eventually, itemIdOf, mastodonKey, pngBytes, rawRequest, startMastodonStore, tempDir, type MastodonStore, type TempDir } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
/** Starting a process takes a few seconds, more on a loaded machine. */
const START_MS = 60_000

for (const kind of ['s3', 'fs'] as const) {
  describe(`e2e: a front-mode origin in front of a Mastodon store (FEDSWARM_FRONT=${kind}), and a seeder`, function () {
    this.timeout(180_000)
    let store: MastodonStore
    let origin: OriginProcess
    let seeder: DaemonProcess
    let seederDir: TempDir
    // Mastodon's layout: the original and a thumbnail of one attachment, and an avatar.
    const objects = [
      { key: mastodonKey('png'), bytes: pngBytes(700_000) },
      { key: mastodonKey('png', 'small'), bytes: pngBytes(40_000) },
      { key: `accounts/avatars/109/345/678/original/${Date.now().toString(16)}.png`, bytes: pngBytes(90_000) }
    ]
    const hot = objects[0]!
    let manifest: Manifest

    const front = (key: string, init: RequestInit = {}): Promise<Response> => fetch(`${origin.url}/${key}`, init)
    const bytesOf = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer())
    const mirrorStatus = async (): Promise<number> => {
      const response = await fetch(`${seeder.url}/media/${manifest.infoHash}`)
      await response.arrayBuffer()
      return response.status
    }

    before(async function () {
      store = await startMastodonStore(kind)
      for (const { key, bytes } of objects) await store.put(key, bytes, 'image/png')
      origin = await startOriginProcess({
        env: {
          ...store.env,
          FEDSWARM_ADMIN_TOKEN: TOKEN,
          FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true',
          FEDSWARM_REDIRECT_TO: 'any-accepted',
          FEDSWARM_HOT_THRESHOLD: '3',
          FEDSWARM_FRONT_CHECK_INTERVAL: '1s',
          FEDSWARM_MIRROR_CHECK_INTERVAL: '500ms'
        },
        timeoutMs: START_MS
      })
      seederDir = await tempDir('fedswarm-e2e-seeder-')
      seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_DATA: seederDir.path }, timeoutMs: START_MS })
    })
    after(async function () {
      await seeder?.stop()
      await origin?.stop()
      await seederDir?.remove()
      await store?.stop()
    })

    it('serves every key byte for byte, whole and ranged, with the safe media headers; refuses traversal', async function () {
      for (const { key, bytes } of objects) {
        const response = await front(key)
        assert.equal(response.status, 200, key)
        assert.deepEqual(await bytesOf(response), bytes, key)
        assert.equal(response.headers.get('content-type'), 'image/png')
        assert.equal(response.headers.get('etag'), `"${sha256Of(bytes)}"`)
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
        assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; sandbox")
        assert.equal(response.headers.get('set-cookie'), null)
        assert.deepEqual([...response.headers.keys()].filter((name) => name.startsWith('x-amz')), [])
        const ranged = await front(key, { headers: { range: 'bytes=100-30099' } })
        assert.equal(ranged.status, 206)
        assert.deepEqual(await bytesOf(ranged), bytes.subarray(100, 30100))
      }
      for (const path of ['/media_attachments/../../../etc/passwd', '/media_attachments/%2e%2e/%2e%2e/etc/passwd', '/accounts%2f..%2f..%2fetc%2fpasswd']) {
        const response = await rawRequest(origin.port, { path })
        assert.equal(response.status, 400, path)
      }
      assert.equal((await front(mastodonKey())).status, 404)
    })

    it('a hot key ends up on the seeder and is redirected to its mirror', async function () {
      // Made hot by requests (FEDSWARM_HOT_THRESHOLD=3): the first test's GET counts, and these.
      const id = itemIdOf((await front(hot.key, { method: 'HEAD' })).headers)!
      for (let i = 0; i < 3; i++) await bytesOf(await front(hot.key))
      manifest = manifestSchema.parse(await (await fetch(`${origin.url}/api/media/${id}`)).json())
      await eventually('the hot key complete on the seeder\'s mirror', 45_000, async () => await mirrorStatus() === 200 ? true : undefined)
      const mirrored = await fetch(`${seeder.url}/media/${manifest.infoHash}`)
      assert.deepEqual(await bytesOf(mirrored), hot.bytes)
      assert.equal(mirrored.headers.get('etag'), `"${manifest.sha256}"`)
      // Once the origin has verified the mirror, a plain GET of the key is sent there (before, as to a fetch: ?progressive=1).
      const mirrorUrl = `${seeder.url}/media/${manifest.infoHash}`
      const locations: string[] = []
      await eventually('a redirect to the verified mirror', 30_000, async () => {
        const response = await front(hot.key, { redirect: 'manual' })
        await response.arrayBuffer()
        if (response.status !== 302) return undefined
        locations.push(response.headers.get('location')!)
        return locations.at(-1) === mirrorUrl ? true : undefined
      })
      assert.deepEqual(locations.filter((location) => location !== mirrorUrl && location !== `${mirrorUrl}?progressive=1`), [])
      assert.deepEqual(await bytesOf(await front(hot.key)), hot.bytes, 'following the redirect gives the same bytes')
    })

    it('removing the object from the store: 410 from the origin, the seeder purges and acks', async function () {
      await store.remove(hot.key)
      await eventually('410 at the key', 20_000, async () => {
        const response = await front(hot.key, { redirect: 'manual' })
        await response.arrayBuffer()
        return response.status === 410 ? true : undefined
      })
      const state = await eventually('the seeder\'s ack', 20_000, async () => {
        const response = await fetch(`${origin.url}/api/media/${manifest.id}`)
        const body = await response.json() as { notice?: { reason: string }, acks?: unknown[], pending?: string[] }
        return response.status === 410 && body.acks?.length === 1 && body.pending?.length === 0 ? body : undefined
      })
      assert.equal(state.notice?.reason, 'removed from the server\'s store')
      assert.equal(await mirrorStatus(), 410)
      assert.equal((await fetch(`${origin.url}/media/${manifest.id}`)).status, 410)
      // The other keys are untouched.
      for (const { key, bytes } of objects.slice(1)) assert.deepEqual(await bytesOf(await front(key)), bytes, key)
    })
  })
}

// How much memory this costs the origin is measured in `npm run bench -- --only footprint` (a sized figure, not an assertion here).
describe('e2e: a front-mode origin serving the first request for a large object', function () {
  this.timeout(180_000)
  const SIZE = 50 * 1024 * 1024
  let store: MastodonStore
  let origin: OriginProcess

  before(async function () {
    store = await startMastodonStore('s3')
    origin = await startOriginProcess({ env: { ...store.env, FEDSWARM_ADMIN_TOKEN: TOKEN }, timeoutMs: START_MS })
  })
  after(async function () {
    await origin?.stop()
    await store?.stop()
  })

  it('streams it whole, then makes it an item (strong ETag) from the background hashing', async function () {
    const key = mastodonKey('png')
    const bytes = pngBytes(SIZE)
    const sha256 = sha256Of(bytes)
    await store.put(key, bytes, 'image/png')
    const response = await fetch(`${origin.url}/${key}`)
    assert.equal(response.status, 200)
    const hash = createHash('sha256')
    let received = 0
    for await (const chunk of response.body!) {
      hash.update(chunk)
      received += chunk.length
    }
    assert.equal(received, SIZE)
    assert.equal(hash.digest('base64url'), sha256)
    await eventually('the large key made an item', 60_000, async () =>
      (await fetch(`${origin.url}/${key}`, { method: 'HEAD' })).headers.get('etag') === `"${sha256}"` ? true : undefined)
  })
})
