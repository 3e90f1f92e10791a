import assert from 'node:assert/strict'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { eventually, metric, pngBytes, tempDir, type TempDir } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const SIZE = 3 * 1024 * 1024


describe('e2e: one origin and three seeders, as separate processes', function () {
  this.timeout(180_000)
  let origin: OriginProcess
  const seeders: DaemonProcess[] = []
  const dirs: TempDir[] = []
  let bytes: Buffer
  let manifest: Manifest

  const seederEnv = async (extra: Record<string, string> = {}): Promise<Record<string, string>> => {
    const dir = await tempDir('fedswarm-e2e-seeder-')
    dirs.push(dir)
    return { FEDSWARM_ORIGINS: origin.url, FEDSWARM_DATA: dir.path, ...extra }
  }
  const mirror = (seeder: DaemonProcess, infoHash: string, range?: string): Promise<Response> =>
    fetch(`${seeder.url}/media/${infoHash}`, { headers: range === undefined ? {} : { range } })
  const held = (seeder: DaemonProcess, infoHash: string) => async (): Promise<true | undefined> => {
    const response = await mirror(seeder, infoHash)
    await response.arrayBuffer()
    return response.status === 200 ? true : undefined
  }
  const publishHot = async (data: Buffer): Promise<Manifest> => {
    const response = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(data) })
    assert.equal(response.status, 201)
    return manifestSchema.parse(await response.json())
  }
  const originMetrics = async (): Promise<string> => (await fetch(`${origin.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text()
  const seederMetrics = async (seeder: DaemonProcess): Promise<string> => (await fetch(`${seeder.url}/metrics`)).text()

  before(async function () {
    // The origin's swarm upload is capped, as on a small server: the seeders must get most bytes from each other.
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_UPLOAD_LIMIT: '512k' } })
    for (let i = 0; i < 3; i++) seeders.push(await startSeederProcess({ env: await seederEnv() }))
  })
  after(async function () {
    for (const seeder of seeders) await seeder.stop()
    await origin?.stop()
    for (const dir of dirs) await dir.remove()
  })

  it('a hot item ends up complete and verified on every seeder, mostly from each other', async function () {
    bytes = pngBytes(SIZE)
    manifest = await publishHot(bytes)
    for (const seeder of seeders) await eventually('the item on every mirror', 120_000, held(seeder, manifest.infoHash))

    for (const seeder of seeders) {
      const whole = await mirror(seeder, manifest.infoHash)
      assert.deepEqual(Buffer.from(await whole.arrayBuffer()), bytes, seeder.output())
      for (const [start, end] of [[0, 0], [262_143, 262_144], [SIZE - 100, SIZE - 1]] as const) {
        const part = await mirror(seeder, manifest.infoHash, `bytes=${start}-${end}`)
        assert.equal(part.status, 206)
        assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(start, end + 1))
      }
    }

    const om = await originMetrics()
    const originEgress = metric(om, 'fedswarm_media_http_bytes_sent_total') + metric(om, 'fedswarm_seeding_uploaded_bytes')
    let fromPeers = 0
    let fromWebSeed = 0
    for (const seeder of seeders) {
      const sm = await seederMetrics(seeder)
      fromPeers += metric(sm, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'peers' })
      fromWebSeed += metric(sm, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'webseed' })
    }
    assert.ok(fromPeers + fromWebSeed >= 3 * SIZE, `seeders received ${fromPeers + fromWebSeed} bytes for 3 copies of ${SIZE}`)
    // Three copies were delivered; the origin paid for well under two of them.
    const breakdown = `HTTP ${metric(om, 'fedswarm_media_http_bytes_sent_total')}, swarm ${metric(om, 'fedswarm_seeding_uploaded_bytes')}; seeders got ${fromPeers} from peers, ${fromWebSeed} from web seeds`
    assert.ok(originEgress < 1.5 * SIZE, `origin sent ${originEgress} bytes (${(originEgress / SIZE).toFixed(2)} x the item): ${breakdown}`)
    assert.ok(fromWebSeed < SIZE, `web seed delivered ${fromWebSeed} bytes`)
  })

  it('the origin lists the three seeders and what they hold', async function () {
    const listing = await eventually('three holdings', 30_000, async () => {
      const body = await (await fetch(`${origin.url}/api/instances`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { instances: Array<{ publicUrl: string, holdings: number, status: string }> }
      const mine = body.instances.filter((instance) => seeders.some((s) => s.url === instance.publicUrl))
      return mine.length === 3 && mine.every((instance) => instance.holdings >= 1) ? mine : undefined
    })
    assert.ok(listing.every((instance) => instance.status === 'active'))
  })

  it('a restarted seeder serves the same items from its data folder with no new download', async function () {
    const old = seeders.shift()!
    const env = { FEDSWARM_ORIGINS: origin.url, FEDSWARM_DATA: old.dataDir }
    await old.stop()
    const again = await startSeederProcess({ env })
    seeders.push(again)
    const whole = await mirror(again, manifest.infoHash)
    assert.equal(whole.status, 200)
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), bytes)
    const sm = await seederMetrics(again)
    assert.equal(metric(sm, 'fedswarm_seeder_bytes_total', { direction: 'in' }), 0)
  })

  it('a seeder killed in the middle of a fetch finishes it after a restart', async function () {
    const env = await seederEnv()
    // Slow enough that the kill lands mid-fetch.
    const slow = await startSeederProcess({ env: { ...env, FEDSWARM_DOWNLOAD_LIMIT: '256k' } })
    const data = pngBytes(SIZE)
    const item = await publishHot(data)
    await eventually('the fetch to be under way', 60_000, async () => {
      const received = metric(await seederMetrics(slow), 'fedswarm_seeder_bytes_total', { direction: 'in' })
      return received > 256 * 1024 ? true : undefined
    })
    await slow.stop('SIGKILL')
    const resumed = await startSeederProcess({ env })
    seeders.push(resumed)
    await eventually('the resumed fetch to complete', 120_000, held(resumed, item.infoHash))
    assert.deepEqual(Buffer.from(await (await mirror(resumed, item.infoHash)).arrayBuffer()), data)
  })
})
