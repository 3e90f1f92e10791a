import assert from 'node:assert/strict'
import { eventually, pngBytes, tempDir, type TempDir } from '@fedswarm/testkit'
import { createClient, fetchMedia, fetchMediaStream, type FetchReport, type Manifest } from '@fedswarm/client'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'
import { startFailingServer, startFlippingMirror, startStallingServer, type TestServer } from './sdk-servers.ts'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const LARGE = 3 * 1024 * 1024

function sum (report: FetchReport): number {
  return report.fromPeers + report.fromMirrors + report.fromOrigin + report.fromCache
}

/** Resources keeping the event loop alive, by type, without the child processes' pipes. */
function resources (): Map<string, number> {
  const counts = new Map<string, number>()
  for (const type of process.getActiveResourcesInfo()) {
    if (type === 'PipeWrap' || type === 'ProcessWrap' || type === 'FSReqCallback' || type === 'Immediate') continue
    counts.set(type, (counts.get(type) ?? 0) + 1)
  }
  return counts
}

/** The resources now, once mocha has armed its own timeout timer for the running test. */
async function baselineResources (): Promise<Map<string, number>> {
  await new Promise((resolve) => setImmediate(resolve))
  return resources()
}

/** Waits until nothing is left that was not there in `baseline` (sockets close a tick after destroy). */
async function backTo (baseline: Map<string, number>): Promise<void> {
  await eventually(`no leftover sockets or timers (baseline ${JSON.stringify([...baseline])})`, 5_000, async () => {
    const now = resources()
    return [...now].every(([type, n]) => n <= (baseline.get(type) ?? 0)) ? true : undefined
  }).catch((err: Error) => { throw new Error(`${err.message}; now ${JSON.stringify([...resources()])}`) })
}

describe('e2e: the client SDK in Node against an origin and a seeder', function () {
  this.timeout(30_000)
  let origin: OriginProcess
  let seeder: DaemonProcess
  let seederDir: TempDir
  const servers: TestServer[] = []
  let small: { bytes: Buffer, manifest: Manifest }
  let hot: { bytes: Buffer, manifest: Manifest }
  let cold: { bytes: Buffer, manifest: Manifest }

  const publish = async (bytes: Buffer, hotItem = false): Promise<{ bytes: Buffer, manifest: Manifest }> => {
    const response = await fetch(`${origin.url}/api/media${hotItem ? '?hot=1' : ''}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    assert.equal(response.status, 201)
    return { bytes, manifest: await response.json() as Manifest }
  }
  const server = async (started: Promise<TestServer>): Promise<TestServer> => {
    const s = await started
    servers.push(s)
    return s
  }

  before(async function () {
    this.timeout(90_000)
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' }, timeoutMs: 60_000 })
    seederDir = await tempDir('fedswarm-sdk-seeder-')
    seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_DATA: seederDir.path, FEDSWARM_WEBRTC: 'on' }, timeoutMs: 60_000 })
    small = await publish(pngBytes(200_000))
    cold = await publish(pngBytes(LARGE))
    hot = await publish(pngBytes(LARGE), true)
    await eventually('the seeder to mirror the hot item', 60_000, async () => {
      const response = await fetch(`${seeder.url}/media/${hot.manifest.infoHash}`)
      await response.arrayBuffer()
      return response.status === 200 ? true : undefined
    })
  })
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close()
  })
  after(async () => {
    await seeder?.stop()
    await origin?.stop()
    await seederDir?.remove()
  })

  it('a small item comes over HTTP, byte-exact, found from its media URL', async () => {
    const { bytes, manifest, report } = await fetchMedia(small.manifest.url)
    assert.deepEqual(Buffer.from(bytes), small.bytes)
    assert.equal(manifest.id, small.manifest.id)
    assert.equal(report.via, 'http')
    assert.equal(sum(report), small.bytes.length)
    assert.ok(report.timeToFirstByteMs <= report.totalMs)
  })

  it('a large hot item comes from the swarm (the seeder as peer and mirror), byte-exact, the report adding up', async () => {
    const progress: number[] = []
    const { bytes, report } = await fetchMedia(`${origin.url}/api/media/${hot.manifest.id}`, { onProgress: (p) => progress.push(p.loaded) })
    assert.deepEqual(Buffer.from(bytes), hot.bytes)
    assert.equal(report.via, 'swarm')
    assert.equal(sum(report), LARGE, JSON.stringify(report))
    assert.ok(report.fromPeers + report.fromMirrors > 0, JSON.stringify(report))
    assert.equal(progress.at(-1), LARGE)
    assert.ok(progress.every((n, i) => i === 0 || n >= progress[i - 1]!))
  })

  it('swarm: false fetches a large item over plain HTTP', async () => {
    const { bytes, report } = await fetchMedia(hot.manifest, { swarm: false })
    assert.deepEqual(Buffer.from(bytes), hot.bytes)
    assert.equal(report.via, 'http')
    assert.equal(report.fromPeers, 0)
    assert.equal(sum(report), LARGE)
  })

  it('the stream form gives the verified bytes in order', async () => {
    const { stream, result } = fetchMediaStream(hot.manifest.url)
    const chunks: Uint8Array[] = []
    for await (const chunk of stream) chunks.push(chunk)
    assert.deepEqual(Buffer.concat(chunks), hot.bytes)
    assert.equal(sum((await result).report), LARGE)
  })

  it('share: true keeps the item seeding, serves a second fetch from its copy, and close() frees everything', async () => {
    const baseline = await baselineResources()
    const client = createClient({ share: true })
    const first = await client.fetchMedia(hot.manifest)
    assert.equal(first.report.via, 'swarm')
    const again = await client.fetchMedia(hot.manifest.url)
    assert.equal(again.report.via, 'cache')
    assert.equal(again.report.fromCache, LARGE)
    assert.deepEqual(Buffer.from(again.bytes), hot.bytes)
    await client.close()
    await backTo(baseline)
  })

  it('a mirror sending bad bytes is dropped and the item still comes right, over HTTP', async () => {
    const bad = await server(startFlippingMirror(small.manifest.url))
    const { bytes, report } = await fetchMedia({ ...small.manifest, mirrors: [bad.url] })
    assert.ok(bad.served > 0)
    assert.deepEqual(Buffer.from(bytes), small.bytes)
    assert.deepEqual(report.droppedSources, [bad.url])
    assert.equal(report.fromOrigin, small.bytes.length)
  })

  it('a bad web seed is dropped from the swarm and the item completes from good sources', async () => {
    // The cold item has no peers: at first the bad mirror is the only source; then the origin joins.
    const bad = await server(startFlippingMirror(cold.manifest.url))
    const { bytes, report } = await fetchMedia({ ...cold.manifest, mirrors: [bad.url] }, { headStartMs: 300 })
    assert.deepEqual(Buffer.from(bytes), cold.bytes)
    assert.ok(report.droppedSources.includes(bad.url), JSON.stringify(report))
    assert.equal(report.fromMirrors, 0)
    assert.equal(sum(report), LARGE)
  })

  it('only bad sources: IntegrityError, never bad bytes', async () => {
    const bad = await server(startFlippingMirror(small.manifest.url))
    const manifest = { ...small.manifest, url: bad.url, webSeeds: [bad.url], mirrors: [] }
    await assert.rejects(fetchMedia(manifest), { name: 'IntegrityError', code: 'integrity' })
  })

  it('no peers and no HTTP source that can serve: UnavailableError, not an endless wait', async () => {
    const down = await server(startFailingServer(503))
    const manifest = { ...cold.manifest, url: `${down.url}/media/x`, webSeeds: [`${down.url}/media/x`], mirrors: [] }
    await assert.rejects(fetchMedia(manifest, { headStartMs: 200 }), { name: 'UnavailableError', message: /HTTP 503/ })
  })

  it('a deleted item is a DeletedError with the origin\'s reason; an unknown one a NotFoundError', async () => {
    const doomed = await publish(pngBytes(50_000))
    const deleted = await fetch(`${origin.url}/api/media/${doomed.manifest.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'test' }) })
    assert.equal(deleted.status, 200)
    await assert.rejects(fetchMedia(doomed.manifest.url), (err: Error & { code?: string, status?: number }) => {
      assert.equal(err.name, 'DeletedError')
      assert.equal(err.code, 'media_deleted')
      assert.equal(err.status, 410)
      assert.match(err.message, /deleted by the origin/)
      return true
    })
    // A manifest held from before: the origin's 410 on the bytes ends it too.
    await assert.rejects(fetchMedia(doomed.manifest), { name: 'DeletedError' })
    await assert.rejects(fetchMedia(`${origin.url}/media/01JD3ZZZZZZZZZZZZZZZZZZZZZ`), { name: 'NotFoundError', code: 'not_found', status: 404 })
  })

  it('abort stops an HTTP fetch and leaves no socket or timer behind', async () => {
    const baseline = await baselineResources()
    const slow = await server(startStallingServer(small.bytes.length))
    const controller = new AbortController()
    const fetching = fetchMedia({ ...small.manifest, mirrors: [slow.url] }, { signal: controller.signal, onProgress: () => controller.abort() })
    await assert.rejects(fetching, { name: 'AbortError', code: 'aborted' })
    await slow.close()
    servers.splice(servers.indexOf(slow), 1)
    await backTo(baseline)
  })

  it('abort in the middle of a swarm fetch destroys the torrent and client', async () => {
    const baseline = await baselineResources()
    const client = createClient()
    const controller = new AbortController()
    const fetching = client.fetchMedia(hot.manifest, { signal: controller.signal, onProgress: (p) => { if (p.loaded > 0) controller.abort() } })
    await assert.rejects(fetching, { name: 'AbortError' })
    await client.close()
    await backTo(baseline)
  })

  it('timeoutMs ends a stalled swarm fetch with a TimeoutError and leaves nothing behind', async () => {
    const baseline = await baselineResources()
    const slow = await server(startStallingServer(LARGE))
    const started = Date.now()
    // No peers for the cold item; its only web seed stalls; HTTP would step in only after 10 s.
    await assert.rejects(fetchMedia({ ...cold.manifest, mirrors: [slow.url] }, { timeoutMs: 1000, headStartMs: 10_000 }), { name: 'TimeoutError', code: 'timeout' })
    assert.ok(Date.now() - started < 5000)
    await slow.close()
    servers.splice(servers.indexOf(slow), 1)
    await backTo(baseline)
  })
})
