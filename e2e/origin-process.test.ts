// `fedswarm origin` and `fedswarm publish` as real processes, on each storage
// combination: embedded PGlite + folder, PostgreSQL + folder (when
// FEDSWARM_TEST_DATABASE_URL is set), PGlite + S3 (s3rver).

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import parseTorrent from 'parse-torrent'
import { manifestSchema, originDocumentSchema, sha256Of, type Manifest, type OriginDocument } from '@fedswarm/protocol'
import { announce, failureReason, pgSchemaEnv, pngBytes, startS3Server, tempDir, testDatabaseUrl, type S3Server, type TempDir } from '@fedswarm/testkit'
import { runCli, startOriginProcess, type OriginProcess } from '@fedswarm/process-fixture'

interface Backend { name: string, db: 'pglite' | 'postgres', blobs: 'fs' | 's3' }

const backends: Backend[] = [{ name: 'PGlite + folder', db: 'pglite', blobs: 'fs' }]
if (testDatabaseUrl !== undefined && testDatabaseUrl !== '') backends.push({ name: 'PostgreSQL + folder', db: 'postgres', blobs: 'fs' })
backends.push({ name: 'PGlite + S3', db: 'pglite', blobs: 's3' })

async function bytesOf (url: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Headers, body: Buffer }> {
  const response = await fetch(url, { headers })
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) }
}

async function json<T> (url: string): Promise<T> {
  const response = await fetch(url)
  assert.equal(response.status, 200, `${url}: HTTP ${response.status}`)
  return await response.json() as T
}

for (const backend of backends) {
  describe(`fedswarm origin process on ${backend.name}`, function () {
    this.timeout(30_000)
    let dir: TempDir
    let files: TempDir
    let s3: S3Server | undefined
    let pg: ReturnType<typeof pgSchemaEnv> | undefined
    let env: Record<string, string>
    let origin: OriginProcess | undefined
    let token: string
    let bytes: Buffer
    let manifest: Manifest
    let hotManifest: Manifest
    let torrentBytes: Buffer
    let document: OriginDocument

    before(async function () {
      dir = await tempDir('fedswarm-e2e-origin-')
      files = await tempDir('fedswarm-e2e-files-')
      pg = backend.db === 'postgres' ? pgSchemaEnv() : undefined
      s3 = backend.blobs === 's3' ? await startS3Server() : undefined
      env = {
        FEDSWARM_DATA: dir.path,
        FEDSWARM_LOG_LEVEL: 'info',
        ...pg?.env,
        ...s3?.env
      }
      origin = await startOriginProcess({ env })
    })

    afterEach(function () {
      if (this.currentTest?.state === 'failed' && origin !== undefined) {
        console.error(`fedswarm origin output (${backend.name}):\n${origin.output()}`)
      }
    })

    after(async function () {
      const status = await origin?.stop()
      await s3?.stop()
      await pg?.drop()
      await dir?.remove()
      await files?.remove()
      if (status !== undefined) assert.deepEqual(status, { code: 0, signal: null }, 'the origin exits cleanly on SIGTERM')
    })

    async function publishFile (size: number, extra: string[] = []): Promise<{ bytes: Buffer, manifest: Manifest, stdout: string }> {
      const data = pngBytes(size)
      const path = join(files.path, `${randomBytes(6).toString('hex')}.png`)
      await writeFile(path, data)
      const result = await runCli(['publish', path, '--origin', origin!.url, '--token', token!, ...extra])
      assert.equal(result.code, 0, `publish failed: ${result.stderr}`)
      assert.equal(result.stderr, '')
      return { bytes: data, manifest: manifestSchema.parse(JSON.parse(result.stdout)), stdout: result.stdout }
    }

    it('prints its URL and where its generated admin token is kept (a 0600 file), not the token', async function () {
      const o = origin!
      assert.match(o.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.equal(o.url, `http://127.0.0.1:${o.port}`)
      assert.equal(o.dataDir, dir.path)
      assert.ok(o.token !== undefined, 'the line names the token file')
      assert.match(o.token, /^fsadm_[A-Za-z0-9_-]{43}$/, 'a generated token never starts with "-"')
      token = o.token
      const tokenFile = join(dir.path, 'admin-token')
      assert.equal((await stat(tokenFile)).mode & 0o777, 0o600)
      assert.ok(o.output().includes(`Admin token generated, kept in ${tokenFile}`))
      // Not on a terminal, a service's output goes to a log (journald): the token is not in it.
      assert.ok(!o.output().includes(token), 'the token is not printed')
    })

    it('publish prints the manifest; the bytes are served whole and by ranges, byte-exact', async function () {
      const published = await publishFile(300_000)
      bytes = published.bytes
      manifest = published.manifest
      assert.equal(manifest.size, bytes.length)
      assert.equal(manifest.sha256, sha256Of(bytes))
      assert.equal(manifest.mediaType, 'image/png')
      assert.equal(manifest.url, `${origin!.url}/media/${manifest.id}`)

      const whole = await bytesOf(manifest.url)
      assert.equal(whole.status, 200)
      assert.equal(whole.headers.get('content-type'), 'image/png')
      assert.ok(whole.body.equals(bytes), 'the whole body is byte-exact')

      const size = bytes.length
      const piece = manifest.pieceLength
      const ranges: Array<[string, number, number]> = [
        ['bytes=0-0', 0, 0],
        ['bytes=100-1099', 100, 1099],
        [`bytes=${piece - 10}-${piece + 9}`, piece - 10, piece + 9],
        ['bytes=-777', size - 777, size - 1],
        [`bytes=${size - 5000}-`, size - 5000, size - 1],
        [`bytes=${size - 3}-${size + 100}`, size - 3, size - 1]
      ]
      for (const [range, start, end] of ranges) {
        const part = await bytesOf(manifest.url, { range })
        assert.equal(part.status, 206, range)
        assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range)
        assert.ok(part.body.equals(bytes.subarray(start, end + 1)), `${range} is byte-exact`)
      }
    })

    it('serves the manifest, the private torrent and /.well-known/fedswarm', async function () {
      assert.deepEqual(await json<Manifest>(`${origin!.url}/api/media/${manifest.id}`), manifest)

      const torrent = await bytesOf(manifest.torrentUrl)
      assert.equal(torrent.status, 200)
      assert.equal(torrent.headers.get('content-type'), 'application/x-bittorrent')
      torrentBytes = torrent.body
      const parsed = await parseTorrent(torrentBytes)
      assert.equal(parsed.infoHash, manifest.infoHash)
      assert.equal(parsed.private, true)
      assert.deepEqual(parsed.urlList, [manifest.url])
      assert.deepEqual(parsed.announce, manifest.trackers)
      assert.equal(parsed.length, bytes.length)
      assert.equal(parsed.pieceLength, manifest.pieceLength)

      document = originDocumentSchema.parse(await json(`${origin!.url}/.well-known/fedswarm`))
      assert.equal(document.apiBase, `${origin!.url}/api`)
      assert.deepEqual(document.trackers, manifest.trackers)
      assert.match(document.publicKey.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/)
    })

    it('the tracker answers an announce for the published info hash and refuses others', async function () {
      const answer = await announce(origin!.url, manifest.infoHash)
      assert.equal(failureReason(answer), undefined)
      assert.equal(typeof answer.interval, 'number')

      const unknown = await announce(origin!.url, randomBytes(20).toString('hex'))
      assert.ok(failureReason(unknown) !== undefined, 'an unknown info hash is refused')

      const scrape = await fetch(`${origin!.url}/scrape`)
      assert.equal(scrape.status, 400)
      assert.match(scrape.headers.get('content-type') ?? '', /^application\/json/)
      const body = await scrape.json() as { error?: unknown, message?: unknown }
      assert.equal(typeof body.error, 'string')
      assert.equal(typeof body.message, 'string')
    })

    it('publish --hot marks the item hot: /api/popular lists it', async function () {
      const published = await publishFile(120_000, ['--hot'])
      hotManifest = published.manifest
      const popular = await json<{ items: Array<{ manifest: Manifest, hot: boolean }> }>(`${origin!.url}/api/popular`)
      const entry = popular.items.find((item) => item.manifest.id === hotManifest.id)
      assert.ok(entry !== undefined, 'the hot item is listed')
      assert.equal(entry.hot, true)
      assert.equal(popular.items.find((item) => item.manifest.id === manifest.id)?.hot ?? false, false)
    })

    it('logged JSON lines only on stdout: a publish, an item becoming hot, the shutdown; restarts on the same data, port and URL with items, torrents and key unchanged, and no new token', async function () {
      const { url, port } = origin!
      const status = await origin!.stop()
      assert.deepEqual(status, { code: 0, signal: null }, 'the origin exits cleanly on SIGTERM')
      const lines = origin!.stdout().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { msg: string, id?: string })
      const logged = (msg: string, id: string): boolean => lines.some((line) => line.msg.startsWith(msg) && line.id === id)
      assert.ok(logged('media published', manifest.id), 'a publish')
      assert.ok(logged('item hot', hotManifest.id), 'an item becoming hot')
      assert.equal(lines.at(-1)?.msg, 'origin stopped', 'the shutdown, last')
      origin = undefined
      origin = await startOriginProcess({ env: { ...env, PORT: String(port), FEDSWARM_PUBLIC_URL: url } })
      assert.equal(origin.url, url)
      assert.equal(origin.port, port)
      assert.equal(origin.token, undefined, 'no admin token is printed again')
      assert.doesNotMatch(origin.output(), /Admin token/)

      assert.deepEqual(await json<Manifest>(`${url}/api/media/${manifest.id}`), manifest)
      assert.deepEqual(await json<Manifest>(`${url}/api/media/${hotManifest.id}`), hotManifest)
      const torrent = await bytesOf(manifest.torrentUrl)
      assert.ok(torrent.body.equals(torrentBytes), 'the torrent bytes are identical')
      const whole = await bytesOf(manifest.url)
      assert.ok(whole.body.equals(bytes), 'the bytes are still served')
      assert.deepEqual(originDocumentSchema.parse(await json(`${url}/.well-known/fedswarm`)), document)

      // Live items are back on the tracker's allowlist; the hot one is still hot; the token still works.
      assert.equal(failureReason(await announce(url, manifest.infoHash)), undefined)
      const popular = await json<{ items: Array<{ manifest: Manifest, hot: boolean }> }>(`${url}/api/popular`)
      assert.equal(popular.items.find((item) => item.manifest.id === hotManifest.id)?.hot, true)
      await publishFile(10_000)
    })
  })
}
