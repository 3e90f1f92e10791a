// `fedswarm get`: the client SDK's command-line face, run as a process.

import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pngBytes, tempDir, type TempDir } from '@fedswarm/testkit'
import type { Manifest } from '@fedswarm/client'
import { runCli, startOriginProcess, type CliResult, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'

function oneLine (result: CliResult, code: number, pattern: RegExp): void {
  const shown = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
  assert.equal(result.code, code, shown)
  assert.equal(result.stdout, '', shown)
  assert.match(result.stderr, /^fedswarm: [^\n]+\n$/, shown)
  assert.match(result.stderr, pattern, shown)
}

describe('e2e: fedswarm get', function () {
  this.timeout(30_000)
  let origin: OriginProcess
  let dir: TempDir

  const publish = async (bytes: Buffer): Promise<Manifest> => {
    const response = await fetch(`${origin.url}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    assert.equal(response.status, 201)
    return await response.json() as Manifest
  }

  before(async function () {
    this.timeout(90_000)
    dir = await tempDir('fedswarm-get-')
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN }, timeoutMs: 60_000 })
  })
  after(async () => {
    await origin?.stop()
    await dir?.remove()
  })

  it('writes a byte-exact file, quiet off a terminal, and says where the bytes came from', async () => {
    const bytes = pngBytes(1536 * 1024) // over the swarm threshold: swarm first, the origin's web seed after the head start
    const manifest = await publish(bytes)
    const file = join(dir.path, 'out.png')
    const result = await runCli(['get', manifest.url, '-o', file])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(await readFile(file), bytes)
    // Via the swarm only when peers sent bytes: here the origin alone (its seeding peer, or its web seed) had them.
    assert.match(result.stdout, /^saved .*out\.png: 1\.5 MiB in [\d.]+ s via (the swarm|HTTP), sha256 verified: .*from the origin\n$/)
    assert.equal(result.stderr, '', 'no progress off a terminal')
    assert.deepEqual((await readdir(dir.path)).filter((name) => name.endsWith('.part')), [])
  })

  it('--no-swarm fetches over HTTP, from the manifest URL too', async () => {
    const bytes = pngBytes(100_000)
    const manifest = await publish(bytes)
    const file = join(dir.path, 'small.png')
    const result = await runCli(['get', `${origin.url}/api/media/${manifest.id}`, '--no-swarm', '-o', file])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(await readFile(file), bytes)
    assert.match(result.stdout, /via HTTP, sha256 verified: 0\.1 MiB from the origin/)
  })

  it('a deleted item: exit 1 and the origin\'s reason in one line, no file', async () => {
    const manifest = await publish(pngBytes(10_000))
    const deleted = await fetch(`${origin.url}/api/media/${manifest.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'test' }) })
    assert.equal(deleted.status, 200)
    const file = join(dir.path, 'deleted.png')
    oneLine(await runCli(['get', manifest.url, '-o', file]), 1, /this media was deleted by the origin \(HTTP 410\)/)
    await assert.rejects(readFile(file), { code: 'ENOENT' })
  })

  it('an unknown item: exit 1 with "not found" in one line; no URL: a usage error', async () => {
    oneLine(await runCli(['get', `${origin.url}/media/01JD3ZZZZZZZZZZZZZZZZZZZZZ`]), 1, /no media with this id \(HTTP 404\)/)
    oneLine(await runCli(['get']), 2, /exactly one URL/)
    oneLine(await runCli(['get', 'not a url']), 1, /not a URL/)
  })
})
