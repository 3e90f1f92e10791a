import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { eventually, metric, pngBytes } from '@fedswarm/testkit'
import { type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'
import { requestsOf, startMirrorDouble, type MirrorDouble } from './mirror-double.ts'

interface MirrorView { capacity: number | null, verifiedItems: number, lastCheckAt: string | null, lastCheck: string | null, lastError: string | null, failures: number, retryAt: string | null }
interface InstanceView { domain: string, status: string, mirror: MirrorView }


const mirrorsOfItem = async (fixture: OriginFixture, id: string): Promise<string[]> => manifestSchema.parse(await (await fixture.api(`/api/media/${id}`)).json()).mirrors
const itemMirrorsBecome = (fixture: OriginFixture, id: string, expected: string[]): Promise<true> =>
  eventually(`the mirrors of ${id} to be ${expected.join(', ') || 'none'}`, 10_000, async () => {
    const mirrors = await mirrorsOfItem(fixture, id)
    return mirrors.length === expected.length && expected.every((url) => mirrors.includes(url)) ? true : undefined
  })

describe('redirects to verified mirrors (an origin and seeder doubles)', function () {
  this.timeout(60_000)
  let fixture: OriginFixture
  const doubles: MirrorDouble[] = []
  const mirrorDouble = async (): Promise<MirrorDouble> => {
    const double = await startMirrorDouble(fixture.url)
    doubles.push(double)
    return double
  }
  let bytes: Buffer<ArrayBuffer>
  let manifest: Manifest

  const mirrorsOf = (id: string): Promise<string[]> => mirrorsOfItem(fixture, id)
  const mirrorsBecome = (id: string, expected: string[]): Promise<true> => itemMirrorsBecome(fixture, id, expected)
  const get = (id: string, headers: Record<string, string> = {}, query = ''): Promise<Response> =>
    fetch(`${fixture.url}/media/${id}${query}`, { redirect: 'manual', headers })
  const locations = async (id: string, n: number): Promise<string[]> => {
    const seen: string[] = []
    for (let i = 0; i < n; i++) {
      const response = await get(id)
      await response.arrayBuffer()
      assert.equal(response.status, 302)
      seen.push(response.headers.get('location')!)
    }
    return seen
  }
  const instance = async (double: MirrorDouble): Promise<InstanceView> => {
    const body = await (await fixture.api('/api/instances', { admin: true })).json() as { instances: InstanceView[] }
    return body.instances.find((i) => i.domain === double.domain)!
  }
  const metrics = async (): Promise<string> => (await fixture.api('/metrics', { admin: true })).text()

  before(async function () {
    // No waiting for mirrors here (see the FEDSWARM_REDIRECT_WAIT suite below): a GET with no mirror is served at once.
    fixture = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_MIRROR_CHECK_INTERVAL: '200ms', FEDSWARM_ACK_TIMEOUT: '1s', FEDSWARM_REDIRECT_WAIT: '0' })
  })
  after(async function () {
    for (const double of doubles) await double.close()
    await fixture?.stop()
  })

  it('redirects plain GETs of a hot item to verified mirrors, by capacity, with no-store', async function () {
    bytes = pngBytes(600_000)
    manifest = manifestSchema.parse((await publish(fixture, bytes, '?hot=1')).manifest)
    const direct = await get(manifest.id)
    assert.equal(direct.status, 200, 'no mirror yet: served here')
    assert.deepEqual(Buffer.from(await direct.arrayBuffer()), bytes)

    const [a, b] = [await mirrorDouble(), await mirrorDouble()]
    await a.hold(manifest, bytes, 1_000_000)
    await b.hold(manifest, bytes, 9_000_000)
    await mirrorsBecome(manifest.id, [a.mirrorUrl(manifest.infoHash), b.mirrorUrl(manifest.infoHash)])
    assert.deepEqual(await mirrorsOf(manifest.id), [b.mirrorUrl(manifest.infoHash), a.mirrorUrl(manifest.infoHash)], 'best first')

    const redirect = await get(manifest.id)
    assert.equal(redirect.status, 302)
    assert.equal(redirect.headers.get('cache-control'), 'no-store')
    assert.equal(redirect.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(redirect.headers.get('access-control-allow-origin'), '*')
    assert.match(redirect.headers.get('link') ?? '', /rel="describedby"/)
    assert.equal(redirect.headers.get('etag'), null)
    assert.equal((await redirect.arrayBuffer()).byteLength, 0)

    // A fetcher that follows redirects, like a fediverse server, gets the bytes and the item's ETag from the mirror.
    const followed = await fetch(`${fixture.url}/media/${manifest.id}`)
    assert.equal(followed.status, 200)
    assert.ok([a, b].some((m) => followed.url === m.mirrorUrl(manifest.infoHash)))
    assert.equal(followed.headers.get('etag'), `"${manifest.sha256}"`)
    assert.deepEqual(Buffer.from(await followed.arrayBuffer()), bytes)

    const seen = await locations(manifest.id, 100)
    const toB = seen.filter((url) => url === b.mirrorUrl(manifest.infoHash)).length
    assert.equal(seen.filter((url) => url === a.mirrorUrl(manifest.infoHash)).length + toB, 100)
    assert.ok(toB >= 70, `the mirror with 9x the capacity got ${toB} of 100`)

    const text = await metrics()
    assert.ok(metric(text, 'fedswarm_media_redirects_total') >= 101)
    assert.ok(metric(text, 'fedswarm_mirror_checks_total', { kind: 'verify', result: 'passed' }) >= 2)
    const listed = await instance(b)
    assert.equal(listed.mirror.verifiedItems, 1)
    assert.equal(listed.mirror.capacity, 9_000_000)
    assert.equal(listed.mirror.lastCheck, 'passed')
    assert.ok(listed.mirror.lastCheckAt !== null && Date.now() - Date.parse(listed.mirror.lastCheckAt) < 10_000)
  })

  it('serves HEAD, ranges, conditional requests and ?direct=1 itself', async function () {
    const head = await fetch(`${fixture.url}/media/${manifest.id}`, { method: 'HEAD', redirect: 'manual' })
    assert.equal(head.status, 200)
    const range = await get(manifest.id, { range: 'bytes=0-99' })
    assert.equal(range.status, 206)
    assert.deepEqual(Buffer.from(await range.arrayBuffer()), bytes.subarray(0, 100))
    const whole = await get(manifest.id, { range: 'bytes=0-' })
    assert.equal(whole.status, 206, 'a web seed or player asking from byte 0 is served here too')
    await whole.arrayBuffer()
    const revalidation = await get(manifest.id, { 'if-none-match': `"${manifest.sha256}"` })
    assert.equal(revalidation.status, 304)
    const asked = await get(manifest.id, {}, '?direct=1')
    assert.equal(asked.status, 200)
    assert.deepEqual(Buffer.from(await asked.arrayBuffer()), bytes)
  })

  it('serves small items and items that are not hot itself, even with verified mirrors', async function () {
    const [mirror] = doubles
    const smallBytes = pngBytes(100_000)
    const small = manifestSchema.parse((await publish(fixture, smallBytes, '?hot=1')).manifest)
    const coldBytes = pngBytes(600_000)
    const cold = manifestSchema.parse((await publish(fixture, coldBytes)).manifest)
    await mirror!.hold(small, smallBytes)
    await mirror!.hold(cold, coldBytes)
    await mirrorsBecome(small.id, [mirror!.mirrorUrl(small.infoHash)])
    await mirrorsBecome(cold.id, [mirror!.mirrorUrl(cold.infoHash)])
    for (const item of [small, cold]) {
      const response = await get(item.id)
      assert.equal(response.status, 200)
      await response.arrayBuffer()
    }
  })

  it('stops using a copy the mirror no longer has (404), and keeps its other items', async function () {
    const [mirror] = doubles
    const lostBytes = pngBytes(300_000)
    const lost = manifestSchema.parse((await publish(fixture, lostBytes, '?hot=1')).manifest)
    await mirror!.hold(lost, lostBytes)
    await mirrorsBecome(lost.id, [mirror!.mirrorUrl(lost.infoHash)])
    mirror!.lose(lost.infoHash)
    await mirrorsBecome(lost.id, [])
    const direct = await get(lost.id)
    assert.equal(direct.status, 200)
    assert.deepEqual(Buffer.from(await direct.arrayBuffer()), lostBytes)
    assert.ok((await mirrorsOf(manifest.id)).includes(mirror!.mirrorUrl(manifest.infoHash)))
    const listed = await instance(mirror!)
    assert.match(listed.mirror.lastError ?? '', /HTTP 404/)
    assert.equal(listed.mirror.retryAt, null, 'the mirror itself is not dropped')
  })

  it('stops redirecting to a mirror caught serving altered bytes by a spot check', async function () {
    const [a, b] = doubles
    const cheat = await mirrorDouble()
    await cheat.hold(manifest, bytes)
    await mirrorsBecome(manifest.id, [a!, b!, cheat].map((m) => m.mirrorUrl(manifest.infoHash)))
    const spotFailuresBefore = metric(await metrics(), 'fedswarm_mirror_checks_total', { kind: 'spot', result: 'failed' })
    cheat.tamper()
    await mirrorsBecome(manifest.id, [a!, b!].map((m) => m.mirrorUrl(manifest.infoHash)))
    assert.ok(!(await locations(manifest.id, 50)).includes(cheat.mirrorUrl(manifest.infoHash)))
    const listed = await instance(cheat)
    assert.equal(listed.mirror.lastCheck, 'failed')
    assert.match(listed.mirror.lastError ?? '', /SHA-1/)
    assert.ok(listed.mirror.failures >= 1)
    assert.equal(listed.mirror.verifiedItems, 0)
    assert.ok(listed.mirror.retryAt !== null && Date.parse(listed.mirror.retryAt) - Date.now() > 30 * 60_000, 'quarantined')
    assert.ok(metric(await metrics(), 'fedswarm_mirror_checks_total', { kind: 'spot', result: 'failed' }) > spotFailuresBefore)
  })

  it('drops a mirror that stops answering', async function () {
    const [a, b] = doubles
    await a!.close()
    await mirrorsBecome(manifest.id, [b!.mirrorUrl(manifest.infoHash)])
    assert.ok((await locations(manifest.id, 20)).every((url) => url === b!.mirrorUrl(manifest.infoHash)))
    const listed = await instance(a!)
    assert.equal(listed.mirror.lastCheck, 'failed')
    assert.equal(listed.mirror.verifiedItems, 0)
  })

  it('after a deletion redirects nowhere (410), and a seeder that does not ack turns stale and is dropped from every item', async function () {
    const b = doubles[1]!
    const c = await mirrorDouble()
    const otherBytes = pngBytes(600_000)
    const other = manifestSchema.parse((await publish(fixture, otherBytes, '?hot=1')).manifest)
    await b.hold(other, otherBytes)
    await c.hold(other, otherBytes)
    await c.hold(manifest, bytes)
    await mirrorsBecome(other.id, [b, c].map((m) => m.mirrorUrl(other.infoHash)))
    await mirrorsBecome(manifest.id, [b, c].map((m) => m.mirrorUrl(manifest.infoHash)))
    const verifiedBefore = (await instance(b)).mirror.verifiedItems

    const deleted = await fixture.api(`/api/media/${manifest.id}`, { method: 'DELETE', admin: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'test' }) })
    assert.equal(deleted.status, 200)
    const notice = await deleted.json() as { seq: number }
    // Deletion effects ran before the answer: no mirror of the item is tracked any more.
    assert.equal((await instance(b)).mirror.verifiedItems, verifiedBefore - 1)
    for (let i = 0; i < 5; i++) {
      const response = await get(manifest.id)
      assert.equal(response.status, 410)
      assert.equal((await response.json() as { error: string }).error, 'media_deleted')
    }
    assert.equal((await fixture.api(`/api/media/${manifest.id}`)).status, 410)

    // c purges and acks; b never does: once FEDSWARM_ACK_TIMEOUT passes it is stale, dropped from the other item too.
    await c.ack(notice.seq)
    await mirrorsBecome(other.id, [c.mirrorUrl(other.infoHash)])
    assert.equal((await instance(b)).status, 'stale')
    assert.equal((await instance(b)).mirror.verifiedItems, 0)
    assert.ok((await locations(other.id, 20)).every((url) => url === c.mirrorUrl(other.infoHash)))
  })

  it('while no mirror holds an item whole, sends fetchers to a trusted mirror fetching it, asking for a progressive answer', async function () {
    const fresh = pngBytes(500_000)
    const item = manifestSchema.parse((await publish(fixture, fresh, '?hot=1')).manifest)
    const untrusted = await mirrorDouble()
    await untrusted.fill(item)
    const fromOrigin = await get(item.id)
    assert.equal(fromOrigin.status, 200, 'a mirror that passed no check is never sent fetchers of a copy it cannot have checked')
    await fromOrigin.arrayBuffer()

    // A mirror whose copy of another item passed its checks has earned trust.
    const trusted = await mirrorDouble()
    const other = pngBytes(400_000)
    const otherItem = manifestSchema.parse((await publish(fixture, other, '?hot=1')).manifest)
    await trusted.hold(otherItem, other)
    await mirrorsBecome(otherItem.id, [trusted.mirrorUrl(otherItem.infoHash)])
    await trusted.fill(item)
    const progressive = await eventually('a redirect to the fetch under way', 10_000, async () => {
      const response = await get(item.id)
      await response.arrayBuffer()
      return response.status === 302 ? response.headers.get('location') : undefined
    })
    assert.equal(progressive, `${trusted.mirrorUrl(item.infoHash)}?progressive=1`)
    assert.deepEqual(await mirrorsOf(item.id), [], 'a copy being fetched is never listed in the manifest')

    // Once it holds the whole item and the copy is verified, fetchers get the plain mirror URL.
    await trusted.hold(item, fresh)
    await mirrorsBecome(item.id, [trusted.mirrorUrl(item.infoHash)])
    assert.deepEqual(new Set(await locations(item.id, 5)), new Set([trusted.mirrorUrl(item.infoHash)]))
  })

  it('verifies a new copy after ten check intervals even while another seeder\'s fetch of the item never ends', async function () {
    const fresh = pngBytes(300_000)
    const item = manifestSchema.parse((await publish(fixture, fresh, '?hot=1')).manifest)
    const stuck = await mirrorDouble()
    await stuck.fill(item)
    const holder = await mirrorDouble()
    await holder.hold(item, fresh)
    await mirrorsBecome(item.id, [holder.mirrorUrl(item.infoHash)])
  })
})

describe('verifying a new copy while other seeders still fetch the item', function () {
  this.timeout(60_000)
  let fixture: OriginFixture
  const doubles: MirrorDouble[] = []

  before(async function () {
    // Checks every second: a copy waits for the other fetches at most ten intervals, 10 s.
    fixture = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_MIRROR_CHECK_INTERVAL: '1s' })
  })
  after(async function () {
    for (const double of doubles) await double.close()
    await fixture?.stop()
  })

  it('fetches no piece of it until they are done, since their fetches need its upload, and meanwhile sends fetchers to it as to a fetch', async function () {
    const mirrorsBecome = (id: string, expected: string[]): Promise<true> => itemMirrorsBecome(fixture, id, expected)
    const [fetching, holder, control] = await Promise.all([startMirrorDouble(fixture.url), startMirrorDouble(fixture.url), startMirrorDouble(fixture.url)])
    doubles.push(fetching!, holder!, control!)
    // The holder earns trust with a verified copy of another item.
    const earlierBytes = pngBytes(200_000)
    const earlier = manifestSchema.parse((await publish(fixture, earlierBytes, '?hot=1')).manifest)
    await holder!.hold(earlier, earlierBytes)
    await mirrorsBecome(earlier.id, [holder!.mirrorUrl(earlier.infoHash)])
    const servedBefore = holder!.served

    const bytes = pngBytes(500_000)
    const item = manifestSchema.parse((await publish(fixture, bytes, '?hot=1')).manifest)
    await fetching!.fill(item)
    await holder!.hold(item, bytes)
    // Another copy, reported after it, is verified: the checks ran, and left this one alone.
    const otherBytes = pngBytes(200_000)
    const other = manifestSchema.parse((await publish(fixture, otherBytes, '?hot=1')).manifest)
    await control!.hold(other, otherBytes)
    await mirrorsBecome(other.id, [control!.mirrorUrl(other.infoHash)])
    assert.equal(holder!.served, servedBefore)
    const response = await fetch(`${fixture.url}/media/${item.id}`, { redirect: 'manual' })
    await response.arrayBuffer()
    assert.equal(response.status, 302)
    assert.equal(response.headers.get('location'), `${holder!.mirrorUrl(item.infoHash)}?progressive=1`)

    // The last fetch is done: both copies are verified.
    await fetching!.hold(item, bytes)
    await mirrorsBecome(item.id, [holder!.mirrorUrl(item.infoHash), fetching!.mirrorUrl(item.infoHash)])
    assert.ok(holder!.served > servedBefore)
  })
})

describe('a GET in a storm\'s first seconds (FEDSWARM_REDIRECT_WAIT)', function () {
  this.timeout(60_000)
  let fixture: OriginFixture
  let trusted: MirrorDouble


  before(async function () {
    fixture = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_MIRROR_CHECK_INTERVAL: '200ms', FEDSWARM_REDIRECT_WAIT: '8s' })
    trusted = await startMirrorDouble(fixture.url)
    const bytes = pngBytes(400_000)
    const item = manifestSchema.parse((await publish(fixture, bytes, '?hot=1')).manifest)
    await trusted.hold(item, bytes)
    await eventually('a verified mirror', 10_000, async () => manifestSchema.parse(await (await fixture.api(`/api/media/${item.id}`)).json()).mirrors.length === 1 ? true : undefined)
  })
  after(async function () {
    await trusted?.close()
    await fixture?.stop()
  })

  it('waits for a trusted mirror to report its fetch, and redirects to it instead of sending the bytes', async function () {
    const item = manifestSchema.parse((await publish(fixture, pngBytes(500_000), '?hot=1')).manifest)
    const answer = fetch(`${fixture.url}/media/${item.id}`, { redirect: 'manual' })
    // The GET has reached the origin (it counts towards popularity before the redirect decision) and found no mirror.
    await eventually('the origin to count the GET', 5_000, async () => await requestsOf(fixture, item.id) >= 1 ? true : undefined)
    await trusted.fill(item)
    const response = await answer
    await response.arrayBuffer()
    assert.equal(response.status, 302)
    assert.equal(response.headers.get('location'), `${trusted.mirrorUrl(item.infoHash)}?progressive=1`)
  })
})

describe('an origin whose upload has room (FEDSWARM_UPLOAD_CAPACITY)', function () {
  this.timeout(60_000)
  // With no capacity stated, the suites above: a plain GET of a hot item a verified mirror holds is a 302.
  const CAPACITY = 4 * 1024 * 1024
  let fixture: OriginFixture
  let mirror: MirrorDouble
  let item: Manifest
  let bytes: Buffer<ArrayBuffer>
  const slowClients: Socket[] = []

  const owed = async (): Promise<number> => metric(await (await fixture.api('/metrics', { admin: true })).text(), 'fedswarm_upload_owed_bytes')
  const get = (): Promise<Response> => fetch(`${fixture.url}/media/${item.id}`, { redirect: 'manual' })

  before(async function () {
    fixture = await startOriginFixture(undefined, {
      FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_MIRROR_CHECK_INTERVAL: '200ms', FEDSWARM_REDIRECT_WAIT: '8s', FEDSWARM_UPLOAD_CAPACITY: String(CAPACITY)
    })
    mirror = await startMirrorDouble(fixture.url)
    bytes = pngBytes(600_000)
    item = manifestSchema.parse((await publish(fixture, bytes, '?hot=1')).manifest)
    await mirror.hold(item, bytes)
    await eventually('a verified mirror', 10_000, async () => manifestSchema.parse(await (await fixture.api(`/api/media/${item.id}`)).json()).mirrors.length === 1 ? true : undefined)
  })
  after(async function () {
    for (const socket of slowClients) socket.destroy()
    await mirror?.close()
    await fixture?.stop()
  })

  it('serves a GET itself while idle, though a verified mirror holds the item', async function () {
    const checked = mirror.served
    const response = await get()
    assert.equal(response.status, 200)
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes)
    assert.ok(mirror.served - checked < bytes.length, 'no fetcher sent to the mirror (only the origin\'s checks read from it)')
    assert.equal(metric(await (await fixture.api('/metrics', { admin: true })).text(), 'fedswarm_media_served_here_total', { decision: 'room' }), 1)
  })

  it('neither redirects nor waits for a mirror\'s report while idle, for an item hot this very second', async function () {
    const fresh = pngBytes(500_000)
    const just = manifestSchema.parse((await publish(fixture, fresh, '?hot=1')).manifest)
    // FEDSWARM_REDIRECT_WAIT is 8 s and a trusted mirror exists: without room, this GET would wait for its report.
    const response = await fetch(`${fixture.url}/media/${just.id}`, { redirect: 'manual', signal: AbortSignal.timeout(5000) })
    assert.equal(response.status, 200)
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), fresh)
  })

  it('redirects as without a capacity while its upload is full (a slow client holding a large response), and serves again once it is not', async function () {
    const large = manifestSchema.parse((await publish(fixture, pngBytes(24 * 1024 * 1024))).manifest)
    // Asks for the large item's bytes and never reads them: most of them stay owed.
    const socket = connect(Number(new URL(fixture.url).port), '127.0.0.1')
    slowClients.push(socket)
    socket.pause()
    socket.on('error', () => {})
    socket.write(`GET /media/${large.id} HTTP/1.1\r\nHost: x\r\n\r\n`)
    await eventually('the origin to owe more than a second of its link', 10_000, async () => await owed() > CAPACITY ? true : undefined)

    const busy = await get()
    await busy.arrayBuffer()
    assert.equal(busy.status, 302)
    assert.equal(busy.headers.get('location'), mirror.mirrorUrl(item.infoHash))

    socket.destroy()
    // What was handed over drains at the capacity (nothing else is sent meanwhile, so what is owed only goes down).
    await eventually('room for the item again', 10_000, async () => await owed() + bytes.length <= CAPACITY ? true : undefined)
    const idle = await get()
    assert.equal(idle.status, 200)
    assert.deepEqual(Buffer.from(await idle.arrayBuffer()), bytes)
  })
})
