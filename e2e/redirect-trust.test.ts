import assert from 'node:assert/strict'
import { request } from 'node:http'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { eventually, freePort, metric, pngBytes } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'
import { signedPost, startSeederDouble } from '../gateway/test/seeder-double.ts'

// Linux routes all of 127.0.0.0/8 to the loopback interface: each "host" below is one of its addresses. A
// participating server's fetches come from one address, its seeder listens on another.
const TOKEN = 'e2e-admin-token-0123456789abcdef'
const admin = { authorization: `Bearer ${TOKEN}` }

interface Answer { status: number, location: string | undefined, body: Buffer }

/** A GET made from `localAddress`, as a server at that address would make it; redirects are not followed. */
function getFrom (url: string, localAddress: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function publishHot (origin: OriginProcess, bytes: Buffer): Promise<Manifest> {
  const response = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { ...admin, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
  assert.equal(response.status, 201)
  return manifestSchema.parse(await response.json())
}

/** Waits until the manifest lists exactly these seeders as verified mirrors of the item. */
function mirrorsBecome (origin: OriginProcess, manifest: Manifest, seeders: DaemonProcess[]): Promise<true> {
  const expected = seeders.map((seeder) => `${seeder.url}/media/${manifest.infoHash}`).sort()
  return eventually(`the manifest to list ${expected.length} verified mirrors`, 30_000, async () => {
    const { mirrors } = manifestSchema.parse(await (await fetch(`${origin.url}/api/media/${manifest.id}`)).json())
    return JSON.stringify([...mirrors].sort()) === JSON.stringify(expected) ? true : undefined
  })
}

const redirectsOf = async (origin: OriginProcess): Promise<number> => metric(await (await fetch(`${origin.url}/metrics`, { headers: admin })).text(), 'fedswarm_media_redirects_total')

/** A seeder listening on its own loopback address, with its public URL there. */
async function seederAt (host: string, origin: OriginProcess, env: Record<string, string | undefined> = {}): Promise<DaemonProcess> {
  const port = await freePort()
  return startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_HOST: host, PORT: String(port), FEDSWARM_PUBLIC_URL: `http://${host}:${port}`, ...env }, timeoutMs: 60_000 })
}

describe('e2e: redirects go only to seeders the admin names (FEDSWARM_REDIRECT_TO), as separate processes', function () {
  this.timeout(120_000)

  describe('with FEDSWARM_REDIRECT_TO unset', function () {
    let origin: OriginProcess
    let seeder: DaemonProcess | undefined

    before(async function () {
      origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_MIRROR_CHECK_INTERVAL: '300ms' }, timeoutMs: 60_000 })
      seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url }, timeoutMs: 60_000 })
    })
    after(async function () {
      await seeder?.stop()
      await origin?.stop()
    })

    it('never redirects a GET, although a verified mirror holds the hot item (the manifest still lists it for SDK clients)', async function () {
      const bytes = pngBytes(1024 * 1024)
      const manifest = await publishHot(origin, bytes)
      await mirrorsBecome(origin, manifest, [seeder!])
      for (let i = 0; i < 10; i++) {
        const answer = await getFrom(manifest.url, '127.0.0.1')
        assert.equal(answer.status, 200)
        assert.ok(answer.body.equals(bytes), 'byte-exact, from the origin')
      }
      assert.equal(await redirectsOf(origin), 0)
      assert.doesNotMatch(origin.output(), /strangers can serve/)
    })
  })

  describe('with FEDSWARM_REDIRECT_TO naming some seeders, and seeders claiming their servers\' addresses', function () {
    let origin: OriginProcess
    /** Listed; its server fetches from 127.0.0.2. */
    let listed: DaemonProcess | undefined
    /** Not listed; it declares 127.0.0.5, which does not count, and listens on 127.0.0.4, which the origin sees. */
    let unlisted: DaemonProcess | undefined
    /** Listed, started later: it claims the listed seeder's server's prefix too. */
    let rival: DaemonProcess | undefined
    let small: Manifest
    let smallBytes: Buffer

    before(async function () {
      origin = await startOriginProcess({
        env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_MIRROR_CHECK_INTERVAL: '300ms', FEDSWARM_REDIRECT_TO: '127.0.0.3, 127.0.0.6' },
        timeoutMs: 60_000
      })
      // Both register from 127.0.0.1, as this test fetches: an address both were seen at, so it is neither's.
      // HTTP-only seeders (they fill from the web seed): with BitTorrent ports bound to 127.0.0.3 and .4 while they
      // announce from 127.0.0.1, a seeder here at times never fetched the hot item (not understood yet; open in the issue notes).
      ;[listed, unlisted] = await Promise.all([
        seederAt('127.0.0.3', origin, { FEDSWARM_SERVER_ADDRESSES: '127.0.0.2', FEDSWARM_TRANSPORT: 'http', FEDSWARM_TORRENT_PORT: undefined }),
        seederAt('127.0.0.4', origin, { FEDSWARM_SERVER_ADDRESSES: '127.0.0.5', FEDSWARM_TRANSPORT: 'http', FEDSWARM_TORRENT_PORT: undefined })
      ])
    })
    after(async function () {
      await Promise.all([listed?.stop(), unlisted?.stop(), rival?.stop()])
      await origin?.stop()
    })

    it('sends plain GETs of a hot item only to the listed seeder', async function () {
      const bytes = pngBytes(1024 * 1024)
      const manifest = await publishHot(origin, bytes)
      await mirrorsBecome(origin, manifest, [listed!, unlisted!])
      for (let i = 0; i < 20; i++) {
        const answer = await getFrom(manifest.url, '127.0.0.1')
        assert.equal(answer.status, 302)
        assert.equal(answer.location, `${listed!.url}/media/${manifest.infoHash}`)
      }
      const followed = await fetch(manifest.url)
      assert.ok(Buffer.from(await followed.arrayBuffer()).equals(bytes), 'byte-exact from the mirror')
    })

    it('sends a GET from a declared server address to that server\'s seeder, even below FEDSWARM_REDIRECT_MIN_SIZE', async function () {
      smallBytes = pngBytes(20_000)
      small = await publishHot(origin, smallBytes)
      await mirrorsBecome(origin, small, [listed!, unlisted!])
      const fromServer = await getFrom(small.url, '127.0.0.2')
      assert.equal(fromServer.status, 302)
      assert.equal(fromServer.location, `${listed!.url}/media/${small.infoHash}`)
      const followed = await fetch(fromServer.location!)
      assert.ok(Buffer.from(await followed.arrayBuffer()).equals(smallBytes))
      // Range and conditional requests are answered here, as for any mirror.
      assert.equal((await getFrom(small.url, '127.0.0.2', { range: 'bytes=0-99' })).status, 206)
      assert.equal((await getFrom(small.url, '127.0.0.2', { 'if-none-match': `"${small.sha256}"` })).status, 304)

      assert.equal((await getFrom(small.url, '127.0.0.1')).status, 200, 'anyone else gets a small item from the origin')
      const declaredOnly = await getFrom(small.url, '127.0.0.5')
      assert.equal(declaredOnly.status, 200, 'an unlisted seeder\'s declared address does not count')
      assert.ok(declaredOnly.body.equals(smallBytes))
      const seen = await getFrom(small.url, '127.0.0.4')
      assert.equal(seen.status, 302, 'an unlisted seeder keeps the address the origin saw it at: its own host')
      assert.equal(seen.location, `${unlisted!.url}/media/${small.infoHash}`)

      const { instances } = await (await fetch(`${origin.url}/api/instances`, { headers: admin })).json() as { instances: Array<{ publicUrl: string, serverAddresses: string[] | null, seenAddresses: string[] }> }
      const claimOf = (seeder: DaemonProcess) => {
        const instance = instances.find((i) => i.publicUrl === seeder.url)!
        return { serverAddresses: instance.serverAddresses, seenAddresses: [...instance.seenAddresses].sort() }
      }
      assert.deepEqual(claimOf(listed!), { serverAddresses: ['127.0.0.2/32'], seenAddresses: ['127.0.0.1', '127.0.0.3'] })
      assert.deepEqual(claimOf(unlisted!), { serverAddresses: ['127.0.0.5/32'], seenAddresses: ['127.0.0.1', '127.0.0.4'] })
    })

    it('gives neither seeder the address once another claims the same prefix', async function () {
      rival = await seederAt('127.0.0.6', origin, { FEDSWARM_SERVER_ADDRESSES: '127.0.0.0/24' })
      await eventually('the overlapping claims to cancel each other', 15_000, async () => {
        const answer = await getFrom(small.url, '127.0.0.2')
        return answer.status === 200 ? answer : undefined
      }).then((answer) => assert.ok(answer.body.equals(smallBytes)))
    })

    it('refuses a claim wider than /24: the seeder will not start, the origin answers 400', async function () {
      await assert.rejects(seederAt('127.0.0.7', origin, { FEDSWARM_SERVER_ADDRESSES: '127.0.0.0/16' }),
        /exited[\s\S]*invalid FEDSWARM_SERVER_ADDRESSES: "127\.0\.0\.0\/16" is wider than IPv4 \/24/)
      // Another implementation (or an older one) sending the claim anyway.
      const double = await startSeederDouble()
      try {
        const response = await (await signedPost(`${origin.url}/api/instances`, { publicUrl: double.publicUrl, serverAddresses: ['127.0.0.0/16'] }, double)).send()
        assert.equal(response.status, 400)
        assert.deepEqual(await response.json(), {
          error: 'invalid_server_address',
          message: 'serverAddresses[0]: "127.0.0.0/16" is wider than IPv4 /24: claim only the addresses of your own server'
        })
      } finally {
        await double.close()
      }
    })
  })
})
