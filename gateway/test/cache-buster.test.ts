import assert from 'node:assert/strict'
import { eventually, itemIdOf, mastodonKey, pngBytes, startMastodonStore, type MastodonStore } from '@fedswarm/testkit'
import { startOriginFixture, type OriginFixture } from '@fedswarm/origin-fixture'
import { classifyBuster } from '../src/front/cache-buster.ts'

const SECRET = 'mastodon-cache-buster-secret-0123'
const HEADER = 'X-Buster-Secret'
const REMOVED = 'removed from the server\'s store'

async function assertJsonError (response: Response, status: number, code: string): Promise<void> {
  assert.equal(response.status, status)
  assert.equal((await response.json() as { error: string }).error, code)
}

describe('cache buster: which requests are Mastodon\'s', function () {
  const matches = (presented: string): boolean => presented === SECRET
  const get = { method: 'GET', header: 'x-buster-secret', secret: SECRET }
  const purge = { ...get, method: 'PURGE' }

  it('with GET, only a request carrying the header; without it, a fetch as ever', function () {
    assert.equal(classifyBuster(get, matches, 'GET', SECRET), 'bust')
    assert.equal(classifyBuster(get, matches, 'GET', undefined), 'none')
    assert.equal(classifyBuster(get, matches, 'GET', 'guess'), 'refused')
    assert.equal(classifyBuster(get, matches, 'HEAD', SECRET), 'none')
  })

  it('with another method, every request of that method; without the secret, refused', function () {
    assert.equal(classifyBuster(purge, matches, 'PURGE', SECRET), 'bust')
    assert.equal(classifyBuster(purge, matches, 'PURGE', undefined), 'refused')
    assert.equal(classifyBuster(purge, matches, 'PURGE', ''), 'refused')
    assert.equal(classifyBuster(purge, matches, 'GET', SECRET), 'none')
  })
})

describe('drop-in front: Mastodon\'s cache buster with GET (S3 store, cache on, no periodic check)', function () {
  let store: MastodonStore
  let fixture: OriginFixture
  const get = (key: string, headers: Record<string, string> = {}): Promise<Response> => fixture.api(`/${key}`, { headers })
  const bust = (key: string, secret = SECRET): Promise<Response> => get(key, { [HEADER]: secret })
  const itemStatus = async (id: string): Promise<number> => (await fixture.api(`/api/media/${id}`)).status
  /** A key of the store served once: an item, its bytes in the front's cache. */
  const served = async (): Promise<{ key: string, id: string, bytes: Buffer }> => {
    const key = mastodonKey()
    const bytes = pngBytes(150_000)
    await store.put(key, bytes)
    const response = await get(key)
    assert.equal(response.status, 200)
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes)
    return { key, id: itemIdOf(response.headers)!, bytes }
  }

  before(async function () {
    store = await startMastodonStore('s3')
    fixture = await startOriginFixture(undefined, {
      ...store.env, FEDSWARM_FRONT_CHECK_INTERVAL: '7d', FEDSWARM_CACHE_BUSTER_SECRET: SECRET, FEDSWARM_CACHE_BUSTER_SECRET_HEADER: HEADER
    })
  })
  after(async function () {
    await fixture?.stop()
    await store?.stop()
  })

  it('a buster for a removed object deletes its item at once; without the secret nothing changes', async function () {
    const { key, id, bytes } = await served()
    await store.remove(key)
    // The cache hides the removal from plain GETs, and those change nothing.
    const plain = await get(key)
    assert.equal(plain.status, 200)
    assert.deepEqual(Buffer.from(await plain.arrayBuffer()), bytes)
    await assertJsonError(await bust(key, 'not-the-secret-at-all'), 403, 'buster_forbidden')
    await assertJsonError(await bust(key, ''), 403, 'buster_forbidden')
    assert.equal(await itemStatus(id), 200, 'a wrong secret deletes nothing')
    assert.equal((await get(key)).status, 200)

    const busted = await bust(key)
    assert.equal(busted.status, 200)
    assert.equal(busted.headers.get('cache-control'), 'no-store')
    assert.deepEqual(await busted.json(), { key, inStore: false })
    // The deletion ran before the answer.
    const deleted = await fixture.api(`/api/media/${id}`)
    assert.equal(deleted.status, 410)
    assert.equal((await deleted.json() as { notice: { reason: string } }).notice.reason, REMOVED)
    await assertJsonError(await get(key), 410, 'media_deleted')
    // Mastodon busts every style of a file, also ones never served here: nothing to do, nothing refused.
    const other = mastodonKey('png', 'small')
    assert.deepEqual(await (await bust(other)).json(), { key: other, inStore: false })
  })

  it('a buster for an object still in the store deletes nothing', async function () {
    const { key, id, bytes } = await served()
    const busted = await bust(key)
    assert.deepEqual(await busted.json(), { key, inStore: true })
    assert.equal(await itemStatus(id), 200)
    const again = await get(key)
    assert.equal(again.status, 200)
    assert.deepEqual(Buffer.from(await again.arrayBuffer()), bytes)
  })

  it('a buster that came before the object left the store: the store is asked again shortly after', async function () {
    // Mastodon queues the buster when it destroys the record, and deletes the file once that commits: the buster can win.
    const { key, id } = await served()
    assert.deepEqual(await (await bust(key)).json(), { key, inStore: true })
    await store.remove(key)
    await eventually('the item deleted by the look after the buster', 10_000, async () => await itemStatus(id) === 410 ? true : undefined)
  })

  it('refuses a key that could leave the store, as the front does', async function () {
    const response = await fetch(`${fixture.url}/media_attachments/%2F..%2Fsecret`, { headers: { [HEADER]: SECRET } })
    await assertJsonError(response, 400, 'invalid_key')
  })
})

describe('drop-in front: Mastodon\'s cache buster with PURGE (folder store, a prefix, a low rate)', function () {
  let store: MastodonStore
  let fixture: OriginFixture
  const purge = (key: string, headers: Record<string, string> = {}): Promise<Response> => fixture.api(`/system/${key}`, { method: 'PURGE', headers })

  before(async function () {
    store = await startMastodonStore('fs')
    fixture = await startOriginFixture(undefined, {
      ...store.env,
      FEDSWARM_FRONT_PREFIX: '/system',
      FEDSWARM_FRONT_CHECK_INTERVAL: '7d',
      FEDSWARM_CACHE_BUSTER_METHOD: 'PURGE',
      FEDSWARM_CACHE_BUSTER_SECRET_HEADER: HEADER,
      FEDSWARM_CACHE_BUSTER_SECRET: SECRET,
      FEDSWARM_API_RATE: '6'
    })
  })
  after(async function () {
    await fixture?.stop()
    await store?.stop()
  })

  it('PURGE with the secret deletes a removed object\'s item; without it, 403; GET serves; past the rate, 429', async function () {
    const key = mastodonKey()
    await store.put(key, pngBytes(100_000))
    const first = await fixture.api(`/system/${key}`)
    assert.equal(first.status, 200)
    await first.arrayBuffer()
    const id = itemIdOf(first.headers)!
    // A GET carrying the secret is no buster when the method is PURGE: it is served.
    const fetched = await fixture.api(`/system/${key}`, { headers: { [HEADER]: SECRET } })
    assert.equal(fetched.status, 200)
    await fetched.arrayBuffer()

    await store.remove(key)
    await assertJsonError(await purge(key), 403, 'buster_forbidden')
    await assertJsonError(await purge(key, { [HEADER]: 'wrong-secret-wrong-secret' }), 403, 'buster_forbidden')
    assert.equal((await fixture.api(`/api/media/${id}`)).status, 200, 'nothing deleted without the secret')

    const busted = await purge(key, { [HEADER]: SECRET })
    assert.deepEqual(await busted.json(), { key, inStore: false })
    assert.equal((await fixture.api(`/api/media/${id}`)).status, 410)
    // Outside the prefix, PURGE is no key's: the origin's 404.
    assert.equal((await fixture.api(`/${key}`, { method: 'PURGE', headers: { [HEADER]: SECRET } })).status, 404)

    // FEDSWARM_API_RATE=6 per minute, the secret right or not: three sent, the rest of the budget then 429.
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await purge(key, { [HEADER]: 'guessing-the-secret-' + i })).status)
    assert.deepEqual(statuses, [403, 403, 403, 429])
    await assertJsonError(await purge(key, { [HEADER]: SECRET }), 429, 'rate_limited')
  })
})
