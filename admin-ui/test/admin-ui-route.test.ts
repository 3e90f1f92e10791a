import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tempDir, type TempDir } from '@fedswarm/testkit'
import { adminUiRoute, CONSOLE_CSP, type ConsoleRole } from '../src/server/index.ts'

/** A server with only the console's route: what it passes on is a 404, an error a 503 naming it. */
async function serve (role: ConsoleRole, dist: string): Promise<{ url: string, close (): Promise<void> }> {
  const route = await adminUiRoute({ role, dist, notBuilt: () => new Error('not built') })
  const server = http.createServer((req, res) => route(req, res, (err) => {
    res.writeHead(err === undefined ? 404 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err === undefined ? 'not_found' : (err as Error).message }))
  }))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

describe('admin console route', () => {
  let dir: TempDir
  before(async () => {
    dir = await tempDir('fedswarm-admin-ui-')
    await mkdir(`${dir.path}/dist`)
    await writeFile(`${dir.path}/dist/origin.js`, 'export {}\n')
    await writeFile(`${dir.path}/dist/console.css`, 'body {}\n')
  })
  after(async () => { await dir?.remove() })

  it('serves the page and this role\'s two files under the console\'s CSP, and nothing else', async () => {
    const server = await serve('origin', `${dir.path}/dist`)
    try {
      const page = await fetch(`${server.url}/admin`)
      assert.equal(page.status, 200)
      assert.equal(page.headers.get('content-security-policy'), CONSOLE_CSP)
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
      const html = await page.text()
      assert.match(html, /<script type="module" src="\/admin\/origin\.js"><\/script>/)
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)|\sstyle=/)
      const script = await fetch(`${server.url}/admin/origin.js?v=1`)
      assert.equal(await script.text(), 'export {}\n')
      assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/)
      const head = await fetch(`${server.url}/admin/console.css`, { method: 'HEAD' })
      assert.equal(head.headers.get('content-length'), String('body {}\n'.length))
      for (const [method, path] of [['GET', '/admin/seeder.js'], ['GET', '/admin/../etc/passwd'], ['GET', '/admin/dist/origin.js'], ['POST', '/admin']]) {
        const answer = await fetch(`${server.url}${path}`, { method })
        assert.equal(answer.status, 404, `${method} ${path}`)
        await answer.arrayBuffer()
      }
    } finally {
      await server.close()
    }
  })

  it('passes the role\'s error on for a console that was never built', async () => {
    const server = await serve('seeder', `${dir.path}/nowhere`)
    try {
      const page = await fetch(`${server.url}/admin`)
      assert.equal(page.status, 503)
      assert.deepEqual(await page.json(), { error: 'not built' })
      const other = await fetch(`${server.url}/healthz`)
      assert.equal(other.status, 404)
      await other.arrayBuffer()
    } finally {
      await server.close()
    }
  })
})
