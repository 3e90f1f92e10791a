import assert from 'node:assert/strict'
import { manifestSchema } from '@fedswarm/protocol'
import { eventually, pngBytes } from '@fedswarm/testkit'
import { type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'
import { startMirrorDouble, type MirrorDouble } from './mirror-double.ts'

interface MirrorView { trusted: boolean, verifiedItems: number, lastCheck: string | null, lastError: string | null }
interface InstanceView { domain: string, holdings: number, mirror: MirrorView }

describe('trust at once: the canary a registering seeder is offered (an origin and seeder doubles)', function () {
  this.timeout(60_000)
  let fixture: OriginFixture
  const doubles: MirrorDouble[] = []
  const mirrorDouble = async (): Promise<MirrorDouble> => {
    const double = await startMirrorDouble(fixture.url)
    doubles.push(double)
    return double
  }
  const instance = async (double: MirrorDouble): Promise<InstanceView> => {
    const body = await (await fixture.api('/api/instances', { admin: true })).json() as { instances: InstanceView[] }
    return body.instances.find((i) => i.domain === double.domain)!
  }
  const checked = (double: MirrorDouble): Promise<MirrorView> =>
    eventually(`a check of ${double.domain}'s canary`, 10_000, async () => {
      const { mirror } = await instance(double)
      return mirror.lastCheck === null ? undefined : mirror
    })

  before(async function () {
    // The default check interval (60 s): a canary is verified when its holding is reported, not at the next interval.
    fixture = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_REDIRECT_WAIT: '0' })
  })
  after(async function () {
    for (const double of doubles) await double.close()
    await fixture?.stop()
  })

  it('a seeder that serves its canary byte-exact is trusted at once; one that alters it is not, and gets no fetcher', async function () {
    const [good, bad] = [await mirrorDouble(), await mirrorDouble()]
    assert.ok(good.canary !== undefined && bad.canary !== undefined)
    assert.notEqual(good.canary.manifest.infoHash, bad.canary.manifest.infoHash, 'one canary per seeder')
    assert.deepEqual(good.canary.manifest.trackers, [], 'a canary names no tracker')
    assert.ok(Date.parse(good.canary.expiresAt) > Date.now())
    bad.tamper()
    await Promise.all([good.holdCanary(), bad.holdCanary()])

    const [passed, failed] = [await checked(good), await checked(bad)]
    assert.deepEqual([passed.lastCheck, passed.trusted, passed.verifiedItems], ['passed', true, 0], 'trusted, and the canary is no item')
    assert.deepEqual([failed.lastCheck, failed.trusted], ['failed', false])
    assert.match(failed.lastError ?? '', /SHA-1/)

    // A hot item both are fetching: a plain GET goes to the seeder whose canary passed, never to the other.
    const bytes = pngBytes(300_000)
    const manifest = manifestSchema.parse((await publish(fixture, bytes, '?hot=1')).manifest)
    await bad.fill(manifest)
    const direct = await fetch(manifest.url, { redirect: 'manual' })
    assert.equal(direct.status, 200, 'the mirror whose canary failed is never chosen')
    await direct.arrayBuffer()
    await good.fill(manifest)
    const redirect = await fetch(manifest.url, { redirect: 'manual' })
    await redirect.arrayBuffer()
    assert.equal(redirect.status, 302)
    assert.equal(redirect.headers.get('location'), `${good.mirrorUrl(manifest.infoHash)}?progressive=1`)
  })

  it('is the seeder\'s alone: never listed or announced, never redirected to, unknown to other seeders, offered again only to an untrusted seeder', async function () {
    const [owner, other] = [await mirrorDouble(), await mirrorDouble()]
    const { manifest } = owner.canary!
    const torrent = await fetch(manifest.torrentUrl)
    assert.equal(torrent.status, 200)
    assert.equal(torrent.headers.get('content-type'), 'application/x-bittorrent')
    const range = await fetch(manifest.url, { headers: { range: 'bytes=0-99' } })
    assert.equal(range.status, 206, 'served with ranges: it is its own web seed')
    assert.equal((await range.arrayBuffer()).byteLength, 100)

    assert.equal((await fixture.api(`/api/media/${manifest.id}`)).status, 404, 'no manifest: it is no media')
    assert.equal((await fetch(`${fixture.url}/media/${manifest.id}`)).status, 404)
    const popular = await (await fixture.api('/api/popular?limit=100')).json() as { items: Array<{ manifest: { infoHash: string } }> }
    assert.ok(!popular.items.some((item) => item.manifest.infoHash === manifest.infoHash))

    const bytes = Buffer.from(await (await fetch(manifest.url)).arrayBuffer())
    await assert.rejects(other.hold(manifest, bytes), /HTTP 404/, 'another seeder cannot report it')
    assert.equal((await owner.register())?.manifest.infoHash, manifest.infoHash, 'registering again within a minute: the same canary')

    await owner.holdCanary()
    assert.equal((await checked(owner)).trusted, true)
    assert.equal((await instance(owner)).holdings, 0, 'the admin\'s listing counts no canary')
    assert.equal(await owner.register(), undefined, 'a trusted seeder registering again is offered none')
    assert.equal((await fetch(`${fixture.url}/canaries/01ARZ3NDEKTSV4RRFFQ69G5FAV`)).status, 404)
    assert.equal((await fetch(`${fixture.url}/canaries/not-an-id`)).status, 400)
  })
})
