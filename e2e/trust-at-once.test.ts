import assert from 'node:assert/strict'
import { manifestSchema } from '@fedswarm/protocol'
import { eventually, metric, pngBytes } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const SIZE = 3 * 1024 * 1024
const FETCHERS = 10
/** The origin's upload cap: its link, not the seeders', is the bottleneck. */
const UPLOAD_LIMIT = 1024 * 1024

interface InstanceView { publicUrl: string, status: string, registeredAt: string, mirror: { trusted: boolean, verifiedItems: number } }

describe('e2e: trust at once — seeders registered seconds before a storm take its plain fetchers (separate processes)', function () {
  this.timeout(120_000)
  let origin: OriginProcess
  const seeders: DaemonProcess[] = []
  const admin = { authorization: `Bearer ${TOKEN}` }

  const instances = async (): Promise<InstanceView[]> => ((await (await fetch(`${origin.url}/api/instances`, { headers: admin })).json()) as { instances: InstanceView[] }).instances
  const registered = (expected: DaemonProcess[]): Promise<InstanceView[]> => eventually(`${expected.length} seeders registered`, 60_000, async () => {
    const listed = await instances()
    const mine = expected.map((seeder) => listed.find((instance) => instance.publicUrl === seeder.url && instance.status === 'active'))
    return mine.every((instance) => instance !== undefined) ? mine as InstanceView[] : undefined
  })
  /** What the origin sent: media over HTTP (web seed, canaries, direct GETs) and swarm uploads. */
  const originEgress = async (): Promise<{ http: number, total: number }> => {
    const text = await (await fetch(`${origin.url}/metrics`, { headers: admin })).text()
    const http = metric(text, 'fedswarm_media_http_bytes_sent_total')
    return { http, total: http + metric(text, 'fedswarm_seeding_uploaded_bytes') }
  }
  const seedersWebSeedIn = async (): Promise<number> => {
    let total = 0
    for (const seeder of seeders) total += metric(await (await fetch(`${seeder.url}/metrics`)).text(), 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'webseed' })
    return total
  }
  const startSeeder = async (): Promise<DaemonProcess> => {
    const seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url }, timeoutMs: 60_000 })
    seeders.push(seeder)
    return seeder
  }

  before(async function () {
    // The default check interval (60 s): a new seeder's canary is verified when it reports it, not at the next interval.
    origin = await startOriginProcess({
      env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_UPLOAD_LIMIT: '1MB', FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_REDIRECT_WAIT: '8s' },
      timeoutMs: 60_000
    })
  })
  after(async function () {
    await Promise.all(seeders.map((seeder) => seeder.stop()))
    await origin?.stop()
  })

  it('10 plain GETs at the publish of a hot 3 MB item, 2 s after three fresh seeders registered, are all redirected to them, byte-exact, at no origin cost beyond the seeders\' fetches', async function () {
    const storm = await Promise.all([0, 1, 2].map(() => startSeeder()))
    await registered(storm)
    // The scenario, not a synchronisation: the post goes out 2 s after the seeders joined.
    await new Promise((resolve) => setTimeout(resolve, 2000))

    const bytes = pngBytes(SIZE)
    const before = await originEgress()
    const webSeedBefore = await seedersWebSeedIn()
    const published = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { ...admin, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    assert.equal(published.status, 201)
    const manifest = manifestSchema.parse(await published.json())
    // Like fediverse servers fetching a new post's attachment the moment it arrives: plain GETs of the origin URL, following redirects.
    const answers = await Promise.all(Array.from({ length: FETCHERS }, async () => {
      const response = await fetch(manifest.url)
      return { status: response.status, redirected: response.redirected, url: response.url, body: Buffer.from(await response.arrayBuffer()) }
    }))
    for (const answer of answers) {
      assert.equal(answer.status, 200)
      assert.ok(answer.redirected && storm.some((seeder) => answer.url.startsWith(`${seeder.url}/media/${manifest.infoHash}`)), `answered from ${answer.url}`)
      assert.ok(answer.body.equals(bytes), 'byte-exact')
    }

    // Every seeder finishes its own fetch (what the origin's bytes were for) before the egress is read.
    await eventually('every seeder to hold the item', 60_000, async () => {
      const heads = await Promise.all(storm.map(async (seeder) => (await fetch(`${seeder.url}/media/${manifest.infoHash}`, { method: 'HEAD' })).status))
      return heads.every((status) => status === 200) ? true : undefined
    })
    const after = await originEgress()
    const webSeed = await seedersWebSeedIn() - webSeedBefore
    const egress = after.total - before.total
    const toPlainFetchers = (after.http - before.http) - webSeed
    assert.ok(toPlainFetchers <= 0, `the origin sent ${toPlainFetchers} HTTP bytes beyond the seeders' web-seed fetches`)
    assert.ok(egress <= 2 * SIZE, `origin egress ${(egress / SIZE).toFixed(2)} x the item, for ${FETCHERS} fetchers and ${storm.length} seeders`)
    for (const instance of await registered(storm)) assert.equal(instance.mirror.trusted, true)
  })

  it('a seeder that registers later is trusted within 15 s of registering', async function () {
    const late = await startSeeder()
    const [view] = await registered([late])
    const trustedAt = await eventually('the new seeder to be trusted', 15_000, async () => {
      const listed = (await instances()).find((instance) => instance.publicUrl === late.url)
      return listed?.mirror.trusted === true ? Date.now() : undefined
    })
    assert.ok(trustedAt - Date.parse(view!.registeredAt) <= 15_000, `trusted ${trustedAt - Date.parse(view!.registeredAt)} ms after registering`)
  })
})

describe('e2e: a seeder that holds nothing earns its trust over HTTP (separate processes)', function () {
  this.timeout(60_000)
  let origin: OriginProcess | undefined
  let seeder: DaemonProcess | undefined
  after(async function () {
    await seeder?.stop()
    await origin?.stop()
  })

  it('fetches its canary from the web seed without joining a swarm: no torrent is active once it is trusted', async function () {
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' }, timeoutMs: 60_000 })
    const started = origin
    seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: started.url }, timeoutMs: 60_000 })
    const url = seeder.url
    await eventually('the seeder to be trusted', 15_000, async () => {
      const { instances } = await (await fetch(`${started.url}/api/instances`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { instances: InstanceView[] }
      return instances.find((instance) => instance.publicUrl === url)?.mirror.trusted === true ? true : undefined
    })
    const text = await (await fetch(`${url}/metrics`)).text()
    assert.ok(metric(text, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'webseed' }) >= 64 * 1024, 'the canary came from the web seed')
    assert.equal(metric(text, 'fedswarm_seeder_torrents_active'), 0)
  })
})
