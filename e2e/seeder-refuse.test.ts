import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { copiesIn, eventually, freePort, metric, pngBytes, tempDir, type TempDir } from '@fedswarm/testkit'
import { runCli, startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'
import { startHttpProxy, type HttpProxy } from './fault-proxies.ts'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const NOT_FETCHED = 'refused item announced hot: not fetched'

interface Item { bytes: Buffer, manifest: Manifest }

describe('e2e: the seeder\'s admin refuses items, whatever their origin says', function () {
  this.timeout(180_000)
  let proxy: HttpProxy
  let origin: OriginProcess
  let seeder: DaemonProcess
  let seederDir: TempDir
  let lists: TempDir
  let listPath: string
  let seederEnv: Record<string, string>
  /** A: refused through `fedswarm seeder refuse`; B: named by the list file from the start, by sha256; C: added to the list later. */
  const items: Record<'a' | 'b' | 'c', Item> = {} as never

  const publishHot = async (bytes: Buffer): Promise<Item> => {
    const response = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    assert.equal(response.status, 201)
    return { bytes, manifest: manifestSchema.parse(await response.json()) }
  }
  const mirror = async (item: Item): Promise<{ status: number, error?: string }> => {
    const response = await fetch(`${seeder.url}/media/${item.manifest.infoHash}`)
    if (response.status === 200) {
      await response.arrayBuffer()
      return { status: 200 }
    }
    return { status: response.status, error: (await response.json() as { error: string }).error }
  }
  const holdings = async (): Promise<number> => {
    const { instances } = await (await fetch(`${origin.url}/api/instances`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { instances: Array<{ holdings: number }> }
    return instances.reduce((sum, instance) => sum + instance.holdings, 0)
  }
  /** The info hashes of the seeder's log lines with this message (JSON lines on its stdout). */
  const logged = (msg: string): string[] => seeder.output().split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return []
    const entry = JSON.parse(line) as { msg?: string, infoHash?: string }
    return entry.msg === msg && entry.infoHash !== undefined ? [entry.infoHash] : []
  })
  const writeList = (lines: string[]): Promise<void> => writeFile(listPath, ['# refused by a list shared between servers', ...lines, ''].join('\n'))

  before(async function () {
    // The origin's public URL is a proxy, so that its event stream can be cut later: the seeder then polls the hot list.
    const port = await freePort()
    proxy = await startHttpProxy(`http://127.0.0.1:${port}`, [])
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', PORT: String(port), FEDSWARM_PUBLIC_URL: proxy.url }, timeoutMs: 60_000 })
    seederDir = await tempDir('fedswarm-e2e-seeder-')
    lists = await tempDir('fedswarm-e2e-lists-')
    listPath = join(lists.path, 'refused.txt')
    const bytes = [pngBytes(200_000), pngBytes(300_000), pngBytes(400_000)] as const
    await writeList([`${createHash('sha256').update(bytes[1]).digest('hex')} known spam image`])
    // Info-level logs: the test reads the seeder's decisions there. No FEDSWARM_ADMIN_TOKEN: the CLI reads the data folder's.
    seederEnv = { FEDSWARM_ORIGINS: proxy.url, FEDSWARM_DATA: seederDir.path, FEDSWARM_REFUSE_LIST: listPath, FEDSWARM_LOG_LEVEL: 'info', FEDSWARM_WEBSEED_AFTER: '500ms' }
    seeder = await startSeederProcess({ env: seederEnv, timeoutMs: 60_000 })
    items.a = await publishHot(bytes[0])
    items.b = await publishHot(bytes[1])
    items.c = await publishHot(bytes[2])
  })
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`origin output:\n${origin?.output()}\nseeder output:\n${seeder?.output()}`)
  })
  after(async function () {
    await seeder?.stop()
    await origin?.stop()
    await proxy?.close()
    await seederDir?.remove()
    await lists?.remove()
  })

  it('an item the list file names by sha256 is never fetched, while the others are', async function () {
    for (const item of [items.a, items.c]) await eventually('the other items on the mirror', 90_000, async () => (await mirror(item)).status === 200 ? true : undefined)
    await eventually('the listed item turned away', 30_000, async () => logged(NOT_FETCHED).includes(items.b.manifest.infoHash) ? true : undefined)
    assert.deepEqual(await mirror(items.b), { status: 451, error: 'media_refused' })
    assert.deepEqual(await copiesIn(seederDir.path, items.b.bytes), [])
    assert.equal(await holdings(), 2)
  })

  it('an entry added to the list file purges a held item without a restart', async function () {
    await writeList([`${createHash('sha256').update(items.b.bytes).digest('hex')} known spam image`, `${items.c.manifest.infoHash} reported by a member`])
    await eventually('the newly listed item purged', 30_000, async () =>
      (await mirror(items.c)).status === 451 && (await copiesIn(seederDir.path, items.c.bytes)).length === 0 ? true : undefined)
    await eventually('the origin told it is not held', 10_000, async () => await holdings() === 1 ? true : undefined)
    assert.equal((await mirror(items.a)).status, 200)
  })

  it('fedswarm seeder refuse purges a held item at once; the mirror answers 451 and the origin lists no holding', async function () {
    const wrong = await runCli(['seeder', 'refuse', items.a.manifest.infoHash, '--reason', 'court order', '--seeder', seeder.url, '--token', 'not-the-token-0123456789'], {}, 60_000)
    assert.equal(wrong.code, 1, wrong.stderr)
    assert.match(wrong.stderr, /^fedswarm: the seeder did not take the refusal: HTTP 403: .*\(forbidden\)\n$/)
    assert.equal((await mirror(items.a)).status, 200)

    const result = await runCli(['seeder', 'refuse', items.a.manifest.infoHash, '--reason', 'court order', '--seeder', seeder.url, '--data', seederDir.path], {}, 60_000)
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual((JSON.parse(result.stdout) as { purged: string[] }).purged, [items.a.manifest.infoHash])
    assert.match(result.stderr, new RegExp(`refused info hash ${items.a.manifest.infoHash}: 1 item purged`))
    // Done when the command returns: no waiting.
    assert.deepEqual(await mirror(items.a), { status: 451, error: 'media_refused' })
    assert.deepEqual(await copiesIn(seederDir.path, items.a.bytes), [])
    assert.equal(await holdings(), 0)
  })

  it('after a restart, with the origin announcing them hot again, no refused item is fetched again', async function () {
    const originBefore = await (await fetch(`${origin.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text()
    // No event stream from now on: the seeder polls the origin's hot list, which names all three items.
    proxy.cutting.add('/api/events')
    await seeder.stop()
    seeder = await startSeederProcess({ env: { ...seederEnv, PORT: String(seeder.port), FEDSWARM_PUBLIC_URL: seeder.url }, timeoutMs: 60_000 })
    const all = Object.values(items).map((item) => item.manifest.infoHash)
    await eventually('every refused item announced and turned away', 60_000, async () => all.every((hash) => logged(NOT_FETCHED).includes(hash)) ? true : undefined)
    assert.ok((proxy.cut.get('/api/events') ?? 0) >= 1, 'the event stream was cut')

    for (const item of Object.values(items)) {
      assert.deepEqual(await mirror(item), { status: 451, error: 'media_refused' })
      assert.deepEqual(await copiesIn(seederDir.path, item.bytes), [])
    }
    const seederMetrics = await (await fetch(`${seeder.url}/metrics`)).text()
    assert.equal(metric(seederMetrics, 'fedswarm_seeder_bytes_total', { direction: 'in' }), 0, 'the seeder received no media bytes')
    const after = await (await fetch(`${origin.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text()
    for (const name of ['fedswarm_media_http_bytes_sent_total', 'fedswarm_seeding_uploaded_bytes']) assert.equal(metric(after, name), metric(originBefore, name), `the origin sent no media (${name})`)
    assert.equal(await holdings(), 0)

    const token = (await readFile(join(seederDir.path, 'admin-token'), 'utf8')).trim()
    const listed = await (await fetch(`${seeder.url}/api/refusals`, { headers: { authorization: `Bearer ${token}` } })).json() as { refusals: Array<{ hash: string, source: string }> }
    assert.deepEqual(listed.refusals.map((r) => [r.hash, r.source]).sort(), [
      [items.a.manifest.infoHash, 'admin'],
      [createHash('sha256').update(items.b.bytes).digest('hex'), listPath],
      [items.c.manifest.infoHash, listPath]
    ].sort())
  })
})
