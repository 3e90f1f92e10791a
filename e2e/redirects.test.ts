import assert from 'node:assert/strict'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { eventually, metric, pngBytes } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const SIZE = 2 * 1024 * 1024
const FETCHERS = 20
/** One seeder caps its uploads, and so reports a capacity to the origin. */
const CAPACITY = 64 * 1024 * 1024
const UPLOAD_LIMIT = 1024 * 1024


describe('e2e: redirects from one origin to three seeders\' mirrors, as separate processes', function () {
  this.timeout(120_000)
  let origin: OriginProcess
  let seeders: DaemonProcess[] = []
  let bytes: Buffer
  let manifest: Manifest

  const admin = { authorization: `Bearer ${TOKEN}` }
  const manifestOf = async (): Promise<Manifest> => manifestSchema.parse(await (await fetch(`${origin.url}/api/media/${manifest.id}`)).json())
  const mirrorsBecome = (expected: DaemonProcess[]): Promise<true> => {
    const urls = expected.map((seeder) => `${seeder.url}/media/${manifest.infoHash}`)
    return eventually(`the manifest to list ${urls.length} verified mirrors`, 30_000, async () => {
      const { mirrors } = await manifestOf()
      return mirrors.length === urls.length && urls.every((url) => mirrors.includes(url)) ? true : undefined
    })
  }
  const originMetrics = async (): Promise<string> => (await fetch(`${origin.url}/metrics`, { headers: admin })).text()
  const mirrorBytesOut = async (): Promise<number> => {
    let total = 0
    for (const seeder of seeders) total += metric(await (await fetch(`${seeder.url}/metrics`)).text(), 'fedswarm_seeder_bytes_total', { direction: 'out', source: 'mirror' })
    return total
  }

  before(async function () {
    // Generous start bounds: four processes opening their databases at once on a busy machine.
    // The upload cap keeps a swarm fetch going for seconds: long enough to be redirected into (the progressive test).
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_MIRROR_CHECK_INTERVAL: '300ms', FEDSWARM_UPLOAD_LIMIT: String(UPLOAD_LIMIT) }, timeoutMs: 60_000 })
    seeders = await Promise.all([0, 1, 2].map((i) => startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_UPLOAD_LIMIT: i === 2 ? String(CAPACITY) : undefined }, timeoutMs: 60_000 })))
  })
  after(async function () {
    await Promise.all(seeders.map((seeder) => seeder.stop()))
    await origin?.stop()
  })

  it('plain GETs of a hot item get byte-exact media, and most bytes leave from the mirrors', async function () {
    // Every seeder accepted and every one a redirect target: the origin says at start what that allows.
    assert.match(origin.output(), /FEDSWARM_ACCEPT_SEEDERS=anybody with FEDSWARM_REDIRECT_TO=any-accepted: strangers can serve this origin's media/)
    bytes = pngBytes(SIZE)
    const published = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { ...admin, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    assert.equal(published.status, 201)
    manifest = manifestSchema.parse(await published.json())
    await mirrorsBecome(seeders)
    const listing = await (await fetch(`${origin.url}/api/instances`, { headers: admin })).json() as { instances: Array<{ publicUrl: string, mirror: { capacity: number | null } }> }
    assert.deepEqual(seeders.map((seeder) => listing.instances.find((instance) => instance.publicUrl === seeder.url)?.mirror.capacity), [null, null, CAPACITY])

    const originBefore = metric(await originMetrics(), 'fedswarm_media_http_bytes_sent_total')
    const mirrorsBefore = await mirrorBytesOut()
    // Like fediverse servers fetching a new post's attachment: plain GETs of the origin URL, following redirects.
    const bodies = await Promise.all(Array.from({ length: FETCHERS }, async () => {
      const response = await fetch(manifest.url)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('etag'), `"${manifest.sha256}"`)
      return Buffer.from(await response.arrayBuffer())
    }))
    for (const body of bodies) assert.ok(body.equals(bytes), 'byte-exact')

    const text = await originMetrics()
    const fromOrigin = metric(text, 'fedswarm_media_http_bytes_sent_total') - originBefore
    const fromMirrors = await mirrorBytesOut() - mirrorsBefore
    const share = fromMirrors / (fromMirrors + fromOrigin)
    assert.ok(fromMirrors >= FETCHERS * SIZE * 0.9, `mirrors sent ${fromMirrors} bytes, origin ${fromOrigin}`)
    assert.ok(share >= 0.9, `${(100 * share).toFixed(1)} % of the bytes left from the mirrors (origin ${fromOrigin}, mirrors ${fromMirrors})`)
    assert.ok(metric(text, 'fedswarm_media_redirects_total') >= FETCHERS * 0.9)
    assert.ok(metric(text, 'fedswarm_mirror_checks_total', { kind: 'verify', result: 'passed' }) >= 3)
  })

  it('while the seeders are still fetching a new hot item, a plain GET is sent to one of them and streamed byte-exact', async function () {
    const fresh = pngBytes(6 * UPLOAD_LIMIT)
    const published = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { ...admin, 'content-type': 'image/png' }, body: new Uint8Array(fresh) })
    assert.equal(published.status, 201)
    const item = manifestSchema.parse(await published.json())
    // The origin can send one copy in about six seconds at its cap: no seeder holds the whole item before then.
    const location = await eventually('a redirect to a seeder fetching the item', 20_000, async () => {
      const response = await fetch(item.url, { redirect: 'manual' })
      await response.body?.cancel()
      return response.status === 302 ? response.headers.get('location') ?? undefined : undefined
    })
    assert.ok(seeders.some((seeder) => location === `${seeder.url}/media/${item.infoHash}?progressive=1`), location)
    const streamed = await fetch(location)
    assert.equal(streamed.status, 200)
    assert.equal(streamed.headers.get('etag'), `"${item.sha256}"`)
    assert.deepEqual(Buffer.from(await streamed.arrayBuffer()), fresh)
    // Each fetch completes, and each copy is verified whole before it is listed.
    await eventually('every seeder to be a verified mirror of the item', 30_000, async () => {
      const { mirrors } = manifestSchema.parse(await (await fetch(`${origin.url}/api/media/${item.id}`)).json())
      return mirrors.length === seeders.length ? true : undefined
    })
  })

  it('a stopped mirror is dropped, and no fetcher is sent to it', async function () {
    const stopped = seeders[0]!
    await stopped.stop()
    await mirrorsBecome(seeders.slice(1))
    for (let i = 0; i < 20; i++) {
      const response = await fetch(manifest.url, { redirect: 'manual' })
      await response.arrayBuffer()
      assert.equal(response.status, 302)
      assert.ok(!response.headers.get('location')!.startsWith(stopped.url))
    }
    const body = await (await fetch(`${origin.url}/api/instances`, { headers: admin })).json() as { instances: Array<{ publicUrl: string, mirror: { verifiedItems: number, lastCheck: string } }> }
    const listed = body.instances.find((instance) => instance.publicUrl === stopped.url)!
    assert.deepEqual([listed.mirror.verifiedItems, listed.mirror.lastCheck], [0, 'failed'])
  })

  it('after a deletion nothing redirects: the origin answers 410 and the mirrors purge', async function () {
    const verifiedCounts = async (): Promise<Map<string, number>> => {
      const body = await (await fetch(`${origin.url}/api/instances`, { headers: admin })).json() as { instances: Array<{ domain: string, mirror: { verifiedItems: number } }> }
      return new Map(body.instances.map((instance) => [instance.domain, instance.mirror.verifiedItems]))
    }
    const before = await verifiedCounts()
    const deleted = await fetch(`${origin.url}/api/media/${manifest.id}`, { method: 'DELETE', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'e2e' }) })
    assert.equal(deleted.status, 200)
    for (let i = 0; i < 5; i++) {
      const response = await fetch(manifest.url, { redirect: 'manual' })
      assert.equal(response.status, 410)
      await response.arrayBuffer()
    }
    assert.equal((await fetch(`${origin.url}/api/media/${manifest.id}`)).status, 410)
    // The deleted item's copies are no longer verified anywhere (the item of the progressive test still is).
    for (const [domain, count] of await verifiedCounts()) assert.ok(count <= Math.max(0, before.get(domain)! - 1), `${domain}: ${before.get(domain)} verified copies before, ${count} after`)
    for (const seeder of seeders.slice(1)) {
      await eventually('the mirror to answer 410', 10_000, async () => (await fetch(`${seeder.url}/media/${manifest.infoHash}`)).status === 410 ? true : undefined)
    }
  })
})
