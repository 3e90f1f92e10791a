import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdir, readFile, readlink } from 'node:fs/promises'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { eventually, freePort, metric, pngBytes } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'
import { startMirrorProxy, type MirrorProxy } from './fault-proxies.ts'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
/** 48 pieces of 64 KiB. */
const SIZE = 3 * 1024 * 1024
const SEEDER_AGENT = 'fedswarm-seeder'
/** The HTTP-only seeder's download cap: a fetch lasts long enough to be streamed from. */
const DOWNLOAD_LIMIT = 512 * 1024

/** The TCP ports process `pid` listens on (Linux: its socket inodes matched in /proc/net/tcp*). */
async function listeningPorts (pid: number): Promise<number[]> {
  const inodes = new Set<string>()
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
    const match = /^socket:\[(\d+)\]$/.exec(link)
    if (match !== null) inodes.add(match[1]!)
  }
  const ports = new Set<number>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN, the inode is the tenth field.
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) ports.add(parseInt(fields[1]!.split(':')[1]!, 16))
    }
  }
  return [...ports]
}

describe('e2e: an HTTP-only seeder (FEDSWARM_TRANSPORT=http) fills from mirrors and the web seed', function () {
  this.timeout(180_000)
  let origin: OriginProcess
  const mirrors: Array<{ seeder: DaemonProcess, proxy: MirrorProxy }> = []
  let httpSeeder: DaemonProcess | undefined
  let bytes: Buffer
  let manifest: Manifest

  const admin = { authorization: `Bearer ${TOKEN}` }
  const originMetrics = async (): Promise<string> => (await fetch(`${origin.url}/metrics`, { headers: admin })).text()
  const manifestNow = async (): Promise<Manifest> => manifestSchema.parse(await (await fetch(`${origin.url}/api/media/${manifest.id}`)).json())

  before(async function () {
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_MIRROR_CHECK_INTERVAL: '300ms' }, timeoutMs: 60_000 })
    // Three BitTorrent seeders, each known to the origin by a proxy in front of its mirror; the third proxy alters
    // every answer to a seeder's fetch, and none to the origin's checks.
    for (const alterFor of [undefined, undefined, SEEDER_AGENT]) {
      const port = await freePort()
      const proxy = await startMirrorProxy(`http://127.0.0.1:${port}`, { alterFor })
      const seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, PORT: String(port), FEDSWARM_PUBLIC_URL: proxy.url }, timeoutMs: 60_000 })
      mirrors.push({ seeder, proxy })
    }
  })
  after(async function () {
    await httpSeeder?.stop()
    for (const { seeder, proxy } of mirrors) {
      await seeder.stop()
      await proxy.close()
    }
    await origin?.stop()
  })

  it('a hot item becomes verified on three mirrors', async function () {
    bytes = pngBytes(SIZE)
    const published = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { ...admin, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    assert.equal(published.status, 201)
    manifest = manifestSchema.parse(await published.json())
    const expected = mirrors.map(({ proxy }) => `${proxy.url}/media/${manifest.infoHash}`)
    await eventually('the manifest to list the three mirrors', 120_000, async () => {
      const listed = (await manifestNow()).mirrors
      return expected.every((url) => listed.includes(url)) ? true : undefined
    })
  })

  it('the HTTP-only seeder opens no BitTorrent port, fills from two mirrors and the web seed, drops the altering mirror, and serves byte-exact', async function () {
    const webSeedBefore = metric(await originMetrics(), 'fedswarm_media_http_bytes_sent_total')
    // No FEDSWARM_TORRENT_PORT: the config never asks for one.
    httpSeeder = await startSeederProcess({
      env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_TRANSPORT: 'http', FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_DOWNLOAD_LIMIT: String(DOWNLOAD_LIMIT), FEDSWARM_WEBSEED_AFTER: '0', FEDSWARM_TORRENT_PORT: undefined },
      timeoutMs: 60_000
    })
    const seeder = httpSeeder
    assert.match(seeder.output(), /\(port \d+, HTTP only, no BitTorrent port\)/)
    assert.deepEqual(await listeningPorts(seeder.pid), [seeder.port], 'the HTTP port is its only listening socket')

    const mirrorUrl = `${seeder.url}/media/${manifest.infoHash}`
    await eventually('the item on the HTTP-only seeder\'s mirror', 60_000, async () => {
      const response = await fetch(mirrorUrl, { method: 'HEAD' })
      return response.status === 200 ? true : undefined
    })
    const whole = await fetch(mirrorUrl)
    assert.equal(whole.status, 200)
    assert.equal(whole.headers.get('etag'), `"${manifest.sha256}"`)
    const served = Buffer.from(await whole.arrayBuffer())
    assert.equal(createHash('sha256').update(served).digest('base64url'), manifest.sha256, seeder.output())
    const part = await fetch(mirrorUrl, { headers: { range: 'bytes=65530-65545' } })
    assert.equal(part.status, 206)
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(65530, 65546))

    const [good1, good2, altering] = mirrors.map(({ proxy }) => proxy)
    const fromSeeder = (proxy: MirrorProxy): number => proxy.requests.get(SEEDER_AGENT) ?? 0
    assert.ok(fromSeeder(good1!) > 0 && fromSeeder(good2!) > 0, `pieces asked of the good mirrors: ${fromSeeder(good1!)}, ${fromSeeder(good2!)}`)
    // Dropped at its first wrong answer: at most the two requests it was given at once.
    assert.ok(fromSeeder(altering!) >= 1 && fromSeeder(altering!) <= 2, `pieces asked of the altering mirror: ${fromSeeder(altering!)}`)
    assert.equal(altering!.altered.get(SEEDER_AGENT), fromSeeder(altering!))
    const drops = seeder.output().split('\n').filter((line) => line.includes('dropped a source'))
    assert.equal(drops.length, 1, seeder.output())
    assert.ok(drops[0]!.includes(`"source":"${altering!.url}/media/${manifest.infoHash}"`) && drops[0]!.includes('answered a piece wrongly'), drops[0])

    const seederMetrics = await (await fetch(`${seeder.url}/metrics`)).text()
    const fromMirrors = metric(seederMetrics, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'mirror' })
    const fromWebSeed = metric(seederMetrics, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'webseed' })
    const webSeedSent = metric(await originMetrics(), 'fedswarm_media_http_bytes_sent_total') - webSeedBefore
    assert.ok(fromWebSeed > 0 && webSeedSent >= fromWebSeed, `web seed: the seeder got ${fromWebSeed} bytes, the origin sent ${webSeedSent}`)
    // Every byte from the mirrors or the web seed. How the bytes split between them follows their speed (the web seed
    // takes the slots the mirrors cannot): the order of asking is the piece scheduler's, tested without sockets in
    // seeder/test/piece-scheduler.test.ts; here it failed whenever the mirrors answered a little slower than the origin.
    assert.ok(fromMirrors > 0 && fromMirrors + fromWebSeed >= SIZE, `from mirrors ${fromMirrors}, from the web seed ${fromWebSeed}, of ${SIZE}`)
    assert.equal(metric(seederMetrics, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'peers' }), 0)
  })

  it('while it fetches a new hot item, its mirror streams the verified pieces byte-exact (?progressive=1)', async function () {
    const fresh = pngBytes(4 * DOWNLOAD_LIMIT)
    const published = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { ...admin, 'content-type': 'image/png' }, body: new Uint8Array(fresh) })
    assert.equal(published.status, 201)
    const item = manifestSchema.parse(await published.json())
    const url = `${httpSeeder!.url}/media/${item.infoHash}?progressive=1`
    await eventually('the fetch to be under way', 20_000, async () => {
      const response = await fetch(url, { method: 'HEAD' })
      return response.status === 200 ? true : undefined
    })
    const started = Date.now()
    const streamed = await fetch(url)
    assert.equal(streamed.status, 200)
    assert.equal(streamed.headers.get('etag'), `"${item.sha256}"`)
    assert.deepEqual(Buffer.from(await streamed.arrayBuffer()), fresh)
    // At the download cap the fetch takes about four seconds: the body came as the pieces did, not from a whole copy.
    assert.ok(Date.now() - started >= 1000, `streamed in ${Date.now() - started} ms`)
  })
})
