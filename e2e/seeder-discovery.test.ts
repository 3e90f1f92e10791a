import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { eventually, pngBytes } from '@fedswarm/testkit'
import { runCli, startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const SIZE = 400 * 1024

interface Status {
  origins: Array<{ origin: string, how: string, registration: string, trust: { status?: string } | null, itemsHeld: number, bytesIn: number, bytesOut: number, lastEventAt: string | null, lastProbeAt: string | null }>
  discovery: { listUrl: string, lastReadAt: string | null, lastError: string | null, domains: number, dropped: number, probed: number, originsFound: number }
}

const close = (server: Server | TcpServer): Promise<void> => new Promise((resolve) => server.close(() => resolve()))

describe('e2e: a seeder given only --discover-from joins the origins its server federates with', function () {
  this.timeout(180_000)
  const origins: OriginProcess[] = []
  const seeders: DaemonProcess[] = []
  let listBody: string | Buffer
  let list: Server
  let listUrl: string
  let notOrigin: Server
  let notOriginUrl: string
  let silent: TcpServer
  let silentUrl: string
  const sockets: Socket[] = []

  const listen = async (server: Server | TcpServer): Promise<string> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`
  }
  const startSeeder = (env: Record<string, string> = {}): Promise<DaemonProcess> => startSeederProcess({
    args: ['--discover-from', `${listUrl}/api/v1/instance/peers`],
    env: { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_DISCOVER_INTERVAL: '1s', ...env }
  }).then((seeder) => { seeders.push(seeder); return seeder })
  const status = async (seeder: DaemonProcess): Promise<Status> => {
    const response = await fetch(`${seeder.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(response.status, 200)
    return await response.json() as Status
  }
  const followed = (body: Status): string[] => body.origins.map((o) => o.origin).sort()
  const publishHot = async (origin: OriginProcess, data: Buffer): Promise<Manifest> => {
    const response = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(data) })
    assert.equal(response.status, 201)
    return manifestSchema.parse(await response.json())
  }
  const mirrored = async (seeder: DaemonProcess, infoHash: string): Promise<Buffer | undefined> => {
    const response = await fetch(`${seeder.url}/media/${infoHash}`)
    const body = Buffer.from(await response.arrayBuffer())
    return response.status === 200 ? body : undefined
  }

  before(async function () {
    for (let i = 0; i < 2; i++) origins.push(await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' }, timeoutMs: 60_000 }))
    list = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end(listBody) })
    listUrl = await listen(list)
    notOrigin = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a blog</html>') })
    notOriginUrl = await listen(notOrigin)
    silent = createTcpServer((socket) => { sockets.push(socket) })
    silentUrl = await listen(silent)
    listBody = JSON.stringify([notOriginUrl, silentUrl, ...origins.map((o) => o.url)])
  })
  after(async function () {
    for (const seeder of seeders) await seeder.stop()
    for (const origin of origins) await origin.stop()
    for (const socket of sockets) socket.destroy()
    for (const server of [list, notOrigin, silent]) if (server !== undefined) await close(server)
  })

  it('joins both origins at once (the silent host does not hold it up), prefetches their hot items and serves them', async function () {
    const seeder = await startSeeder()
    const started = Date.now()
    await eventually('both origins followed and registered', 10_000, async () => {
      const body = await status(seeder)
      return body.origins.length === 2 && body.origins.every((o) => o.registration === 'accepted') ? true : undefined
    })
    // Probes run side by side: the silent host's 5 s bound is not waited for.
    assert.ok(Date.now() - started < 5_000, `joined in ${Date.now() - started} ms`)

    const data = origins.map(() => pngBytes(SIZE))
    const manifests = await Promise.all(origins.map((origin, i) => publishHot(origin, data[i]!)))
    for (const [i, manifest] of manifests.entries()) {
      const bytes = await eventually(`item of origin ${i} on the mirror`, 60_000, () => mirrored(seeder, manifest.infoHash))
      assert.deepEqual(bytes, data[i], seeder.output())
    }

    const body = await eventually('every domain probed', 15_000, async () => {
      const s = await status(seeder)
      return s.discovery.probed === 4 && s.origins.every((o) => o.itemsHeld === 1) ? s : undefined
    })
    assert.deepEqual(followed(body), origins.map((o) => o.url).sort())
    for (const origin of body.origins) {
      assert.equal(origin.how, 'discovered')
      assert.equal(origin.trust?.status, 'active')
      assert.ok(origin.bytesIn >= SIZE, `${origin.origin}: ${origin.bytesIn} bytes in`)
      assert.ok(origin.bytesOut >= SIZE, `${origin.origin}: ${origin.bytesOut} bytes out (the mirror's answer above)`)
      assert.notEqual(origin.lastEventAt, null)
      assert.notEqual(origin.lastProbeAt, null)
    }
    const { listUrl: reading, lastError, domains, dropped, probed, originsFound } = body.discovery
    assert.deepEqual({ reading, lastError, domains, dropped, probed, originsFound }, { reading: `${listUrl}/api/v1/instance/peers`, lastError: null, domains: 4, dropped: 0, probed: 4, originsFound: 2 })
  })

  it('keeps the last good list when the list turns bad, and drops garbage entries with one line', async function () {
    const seeder = seeders[0]!
    const good = listBody
    for (const [bad, reason] of [['<html>maintenance</html>', /not JSON/], [Buffer.alloc(10 * 1024 * 1024 + 1, 0x20), /larger than/]] as const) {
      listBody = bad
      const body = await eventually(`the list refused (${String(reason)})`, 20_000, async () => {
        const s = await status(seeder)
        return reason.test(s.discovery.lastError ?? '') ? s : undefined
      })
      assert.deepEqual(followed(body), origins.map((o) => o.url).sort())
      assert.equal(body.discovery.domains, 4)
      listBody = good
      await eventually('the list good again', 20_000, async () => (await status(seeder)).discovery.lastError === null ? true : undefined)
    }
    assert.match(seeder.output(), /domain list not used \(not JSON\); keeping the last good one/)

    listBody = JSON.stringify([42, 'not a domain', { host: 'x' }, 'https://a.example/path', ...origins.map((o) => o.url)])
    const body = await eventually('the garbage dropped', 20_000, async () => {
      const s = await status(seeder)
      return s.discovery.dropped === 4 ? s : undefined
    })
    assert.deepEqual(followed(body), origins.map((o) => o.url).sort())
    assert.match(seeder.output(), /4 entries that are not domains dropped/)

    // A server no longer listed is left; listed again, it is joined again.
    const [one, two] = origins as [OriginProcess, OriginProcess]
    listBody = JSON.stringify([one.url])
    await eventually('the unlisted origin left', 20_000, async () => followed(await status(seeder)).join() === one.url ? true : undefined)
    listBody = good
    await eventually('the origin joined again', 20_000, async () => {
      const s = await status(seeder)
      return s.origins.find((o) => o.origin === two.url)?.registration === 'accepted' ? true : undefined
    })
  })

  it('documents every flag, and needs an origin or a list', async function () {
    const help = await runCli(['seeder', '--help'])
    assert.equal(help.code, 0)
    for (const flag of ['--origin', '--discover-from', '--port', '--data', '--public-url']) assert.match(help.stdout, new RegExp(flag))
    const none = await runCli(['seeder'])
    assert.equal(none.code, 2)
    assert.match(none.stderr, /^fedswarm: no origin to help: pass --origin URL .* or --discover-from URL/)
    const bad = await runCli(['seeder', '--discover-from', 'https://my.server/peers'], { FEDSWARM_NEVER_HELP: 'https://x.example' })
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /FEDSWARM_NEVER_HELP/)
  })

  it('honours FEDSWARM_MAX_ORIGINS, and FEDSWARM_NEVER_HELP over FEDSWARM_HELP_ONLY', async function () {
    const [one, two] = origins as [OriginProcess, OriginProcess]
    const [bounded, filtered] = await Promise.all([
      startSeeder({ FEDSWARM_MAX_ORIGINS: '1' }),
      startSeeder({ FEDSWARM_HELP_ONLY: '127.0.0.1', FEDSWARM_NEVER_HELP: new URL(one.url).host })
    ])
    const boundedStatus = await eventually('both found, one followed', 20_000, async () => {
      const s = await status(bounded)
      return s.discovery.originsFound === 2 && s.origins.length === 1 ? s : undefined
    })
    const filteredStatus = await eventually('every allowed domain probed', 20_000, async () => {
      const s = await status(filtered)
      return s.discovery.probed === 3 ? s : undefined
    })
    assert.equal(filteredStatus.discovery.domains, 3, 'the never-helped origin is not even probed')
    assert.deepEqual(followed(filteredStatus), [two.url])
    assert.deepEqual(followed(await status(bounded)), followed(boundedStatus))
  })
})
