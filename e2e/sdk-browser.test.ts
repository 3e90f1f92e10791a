import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { access, readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { eventually, pngBytes, tempDir, type TempDir } from '@fedswarm/testkit'
import { bundleForBrowser } from '@fedswarm/client/bundle'
import type { FetchOptions, FetchReport, Manifest } from '@fedswarm/client'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const CHROMIUM = '/usr/bin/chromium'
/** stack.md: Debian's chromium driven by playwright-core. */
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const LARGE = 3 * 1024 * 1024

type PageResult =
  | { ok: true, length: number, sha256: string, id: string, report: FetchReport }
  | { ok: false, name: string, code: string, message: string }

/** Serves e2e/browser/ and the freshly built bundle on a port of its own (another origin than the Fedswarm origin). */
async function startPageServer (bundle: string): Promise<{ url: string, close (): Promise<void> }> {
  const files: Record<string, [string, string]> = {
    '/': [fileURLToPath(new URL('browser/index.html', import.meta.url)), 'text/html; charset=utf-8'],
    '/page.js': [fileURLToPath(new URL('browser/page.js', import.meta.url)), 'text/javascript'],
    '/fedswarm-client.browser.js': [bundle, 'text/javascript']
  }
  const server = http.createServer((req, res) => {
    const file = files[req.url ?? '']
    if (file === undefined) {
      res.writeHead(404).end()
      return
    }
    readFile(file[0]).then((body) => res.writeHead(200, { 'content-type': file[1] }).end(body), () => res.writeHead(500).end())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async close () {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

describe('e2e: the client SDK bundle in headless Chromium, over WebRTC to a seeder', function () {
  this.timeout(30_000)
  let dir: TempDir
  let origin: OriginProcess
  let seeder: DaemonProcess
  let pages: { url: string, close (): Promise<void> }
  let browser: BrowserContext
  let page: Page

  const publish = async (bytes: Buffer, hot = false): Promise<Manifest> => {
    const response = await fetch(`${origin.url}/api/media${hot ? '?hot=1' : ''}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    assert.equal(response.status, 201)
    return await response.json() as Manifest
  }
  const inPage = async (url: string, options: FetchOptions = {}): Promise<PageResult> =>
    await page.evaluate(async ([u, o]) => await (window as unknown as { fedswarmTest (url: string, options: unknown): Promise<PageResult> }).fedswarmTest(u, o), [url, options] as const)
  const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

  before(async function () {
    this.timeout(150_000)
    try {
      await access(CHROMIUM)
    } catch {
      // .ci/run installs it; a developer machine without it cannot run this file.
      this.skip()
    }
    dir = await tempDir('fedswarm-sdk-browser-')
    const bundle = `${dir.path}/fedswarm-client.browser.js`
    await bundleForBrowser(bundle)
    pages = await startPageServer(bundle)
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' }, timeoutMs: 60_000 })
    seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_DATA: `${dir.path}/seeder`, FEDSWARM_WEBRTC: 'on' }, timeoutMs: 60_000 })
    browser = await chromium.launchPersistentContext(`${dir.path}/profile`, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
    page = await browser.newPage()
    await page.goto(pages.url)
    await page.waitForFunction(() => (window as unknown as { fedswarmReady?: boolean }).fedswarmReady === true)
  })
  after(async () => {
    await browser?.close()
    await pages?.close()
    await seeder?.stop()
    await origin?.stop()
    await dir?.remove()
  })

  it('fetches a large hot item from the seeder peer over WebRTC, verified', async function () {
    const bytes = pngBytes(LARGE)
    const manifest = await publish(bytes, true)
    await eventually('the seeder to hold the item', 20_000, async () => {
      const response = await fetch(`${seeder.url}/media/${manifest.infoHash}`, { method: 'HEAD' })
      return response.status === 200 ? true : undefined
    })
    // A long head start: on loopback plain HTTP would win any race; here the peer must deliver.
    const result = await inPage(manifest.url, { swarm: true, headStartMs: 10_000, timeoutMs: 20_000 })
    assert.ok(result.ok, JSON.stringify(result))
    assert.equal(result.length, LARGE)
    assert.equal(result.sha256, sha256Hex(bytes))
    assert.equal(result.report.via, 'swarm')
    assert.ok(result.report.fromPeers > 0, JSON.stringify(result.report))
    const { fromPeers, fromMirrors, fromOrigin, fromCache } = result.report
    assert.equal(fromPeers + fromMirrors + fromOrigin + fromCache, LARGE)
  })

  it('a page on another origin reads ranges the browser preflights, from the origin and the seeder\'s mirror (web seeds both)', async function () {
    const bytes = pngBytes(300_000)
    const manifest = await publish(bytes, true)
    const mirror = `${seeder.url}/media/${manifest.infoHash}`
    await eventually('the seeder to hold the item', 20_000, async () => (await fetch(mirror, { method: 'HEAD' })).status === 200 ? true : undefined)
    for (const url of [manifest.url, mirror]) {
      // A suffix range and a conditional header are not CORS-safelisted: Chromium asks with OPTIONS first.
      const read = await page.evaluate(async (u) => {
        try {
          const response = await fetch(u, { headers: { range: 'bytes=-100', 'if-none-match': '"another-version"' } })
          return { status: response.status, range: response.headers.get('content-range'), bytes: [...new Uint8Array(await response.arrayBuffer())] }
        } catch (err) {
          return { error: String(err) }
        }
      }, url)
      assert.ok(!('error' in read), `${url}: ${JSON.stringify(read)}`)
      assert.equal(read.status, 206, url)
      assert.equal(read.range, `bytes ${bytes.length - 100}-${bytes.length - 1}/${bytes.length}`, url)
      assert.deepEqual(Buffer.from(read.bytes), bytes.subarray(bytes.length - 100), url)

      const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: pages.url.slice(0, -1), 'access-control-request-method': 'GET', 'access-control-request-headers': 'range, if-none-match' } })
      assert.equal(preflight.status, 204, url)
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*', url)
      assert.deepEqual(preflight.headers.get('access-control-allow-methods')?.split(', '), ['GET', 'HEAD'], url)
      assert.ok(preflight.headers.get('access-control-allow-headers')?.split(', ').includes('Range'), url)
      assert.ok(Number(preflight.headers.get('access-control-max-age')) > 0, url)
      assert.equal(preflight.headers.get('access-control-allow-credentials'), null, 'never with credentials')
    }
  })

  it('fetches a small item over HTTP from another origin (CORS), and reports a deleted one', async () => {
    const bytes = pngBytes(20_000)
    const manifest = await publish(bytes)
    const result = await inPage(manifest.url)
    assert.ok(result.ok, JSON.stringify(result))
    assert.equal(result.sha256, sha256Hex(bytes))
    assert.equal(result.report.via, 'http')
    await fetch(`${origin.url}/api/media/${manifest.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'test' }) })
    const deleted = await inPage(manifest.url)
    assert.equal(deleted.ok, false)
    assert.equal(deleted.ok === false && deleted.code, 'media_deleted')
  })
})
