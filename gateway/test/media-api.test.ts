import assert from 'node:assert/strict'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import parseTorrent from 'parse-torrent'
import { manifestSchema, originDocumentSchema, sha256Of } from '@fedswarm/protocol'
import { pngBytes } from '@fedswarm/testkit'
import { originBackends, type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'

for (const backend of originBackends()) {
  describe(`origin media API on ${backend.name}`, function () {
    let fixture: OriginFixture
    before(async function () {
      fixture = await startOriginFixture(backend, { FEDSWARM_MAX_MEDIA_SIZE: '2MB', FEDSWARM_IMPORT_ROOT: '' })
    })
    after(async function () {
      await fixture?.stop()
    })

    it('publishes raw bytes as a manifest with a private torrent', async function () {
      const bytes = pngBytes(300_000)
      const { status, manifest } = await publish(fixture, bytes)
      assert.equal(status, 201)
      const parsed = manifestSchema.parse(manifest)
      assert.equal(parsed.size, bytes.length)
      assert.equal(parsed.sha256, sha256Of(bytes))
      assert.equal(parsed.mediaType, 'image/png')
      assert.equal(parsed.url, `${fixture.url}/media/${parsed.id}`)
      assert.deepEqual(parsed.trackers, [`${fixture.url}/announce`, `${fixture.url.replace('http', 'ws')}/announce`])

      const torrentBytes = Buffer.from(await (await fixture.api(`/media/${parsed.id}.torrent`)).arrayBuffer())
      const torrent = await parseTorrent(torrentBytes)
      assert.equal(torrent.infoHash, parsed.infoHash)
      assert.equal(torrent.private, true)
      assert.deepEqual(torrent.urlList, [parsed.url])
      assert.deepEqual(torrent.announce, parsed.trackers)
      assert.equal(torrent.length, bytes.length)
      assert.equal(torrent.pieceLength, parsed.pieceLength)

      const served = Buffer.from(await (await fixture.api(`/media/${parsed.id}`)).arrayBuffer())
      assert.deepEqual(served, bytes)
    })

    it('answers the same bytes again with the existing item (200)', async function () {
      const bytes = pngBytes(50_000)
      const first = await publish(fixture, bytes)
      const second = await publish(fixture, bytes)
      assert.equal(first.status, 201)
      assert.equal(second.status, 200)
      assert.equal(second.manifest.id, first.manifest.id)
    })

    it('publishes a multipart upload from the field "file"', async function () {
      const bytes = pngBytes(70_000)
      const form = new FormData()
      form.append('note', 'ignored')
      form.append('file', new Blob([bytes], { type: 'image/png' }), 'x.png')
      const response = await fixture.api('/api/media', { method: 'POST', admin: true, body: form })
      assert.equal(response.status, 201)
      const manifest = manifestSchema.parse(await response.json())
      assert.equal(manifest.sha256, sha256Of(bytes))
    })

    it('refuses a multipart upload without "file"', async function () {
      const form = new FormData()
      form.append('other', new Blob([pngBytes(100)]), 'x.png')
      const response = await fixture.api('/api/media', { method: 'POST', admin: true, body: form })
      assert.equal(response.status, 400)
      assert.equal((await response.json() as { error: string }).error, 'missing_file')
    })

    it('refuses an upload over FEDSWARM_MAX_MEDIA_SIZE with 413, with or without Content-Length', async function () {
      const big = pngBytes(2 * 1024 * 1024 + 1)
      const declared = await publish(fixture, big)
      assert.equal(declared.status, 413)
      assert.equal(declared.manifest.error, 'body_too_large')
      const chunked = await fixture.api('/api/media', {
        method: 'POST',
        admin: true,
        headers: { 'content-type': 'image/png' },
        body: new Blob([big]).stream(),
        duplex: 'half'
      } as RequestInit & { admin: boolean })
      assert.equal(chunked.status, 413)
    })

    it('refuses types outside the allowlist with 415, by header and by bytes', async function () {
      const html = Buffer.from('<html><script>alert(1)</script></html>')
      assert.equal((await publish(fixture, html, '', 'text/html')).status, 415)
      assert.equal((await publish(fixture, html, '', 'image/png')).status, 415)
      assert.equal((await publish(fixture, html, '', 'application/octet-stream')).status, 415)
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
      assert.equal((await publish(fixture, svg, '', 'image/svg+xml')).status, 415)
    })

    it('stores the type the bytes have, not the one declared', async function () {
      const { status, manifest } = await publish(fixture, pngBytes(1000), '', 'video/mp4')
      assert.equal(status, 201)
      assert.equal(manifest.mediaType, 'image/png')
    })

    it('refuses an empty upload', async function () {
      const { status, manifest } = await publish(fixture, new Uint8Array(0))
      assert.equal(status, 400)
      assert.equal(manifest.error, 'empty_body')
    })

    it('requires the admin token to publish: 401 without, 403 when wrong', async function () {
      const missing = await fixture.api('/api/media', { method: 'POST', body: pngBytes(100) })
      assert.equal(missing.status, 401)
      assert.deepEqual(Object.keys(await missing.json() as object), ['error', 'message'])
      const wrong = await fixture.api('/api/media', { method: 'POST', body: pngBytes(100), headers: { authorization: 'Bearer nope' } })
      assert.equal(wrong.status, 403)
    })

    it('validates queries: ?hot must be a flag', async function () {
      assert.equal((await publish(fixture, pngBytes(100), '?hot=maybe')).status, 400)
      assert.equal((await publish(fixture, pngBytes(100), '?other=1')).status, 400)
    })

    it('serves the manifest, the ActivityPub links and the well-known document', async function () {
      const { manifest } = await publish(fixture, pngBytes(5000))
      const served = manifestSchema.parse(await (await fixture.api(`/api/media/${manifest.id}`)).json())
      assert.deepEqual(served, manifestSchema.parse(manifest))
      const links = await (await fixture.api(`/api/media/${manifest.id}/activitypub`)).json() as Array<{ mediaType: string, href: string, rel?: string[] }>
      assert.ok(links.some((link) => link.mediaType === 'application/x-bittorrent' && link.href === served.torrentUrl))
      assert.ok(links.some((link) => link.href === served.magnet))
      assert.ok(links.some((link) => link.rel?.includes('tracker-websocket')))
      const document = originDocumentSchema.parse(await (await fixture.api('/.well-known/fedswarm')).json())
      assert.match(document.publicKey.publicKeyPem, /BEGIN PUBLIC KEY/)
    })

    it('answers 400 for a malformed id and 404 for an unknown one', async function () {
      const malformed = await fixture.api('/api/media/..%2F..%2Fetc%2Fpasswd')
      assert.equal(malformed.status, 400)
      const unknown = await fixture.api('/api/media/01ARZ3NDEKTSV4RRFFQ69G5FAV')
      assert.equal(unknown.status, 404)
      assert.equal((await unknown.json() as { error: string }).error, 'media_not_found')
      assert.equal((await fixture.api('/media/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status, 404)
      assert.equal((await fixture.api('/media/01ARZ3NDEKTSV4RRFFQ69G5FAV.torrent')).status, 404)
    })

    it('ranks /api/popular by recent requests and includes hot items', async function () {
      const cold = await publish(fixture, pngBytes(2000))
      const warm = await publish(fixture, pngBytes(2000))
      const hot = await publish(fixture, pngBytes(2000), '?hot=1')
      for (let i = 0; i < 3; i++) await (await fixture.api(`/media/${warm.manifest.id}`)).arrayBuffer()
      await (await fixture.api(`/media/${cold.manifest.id}`)).arrayBuffer()
      const { items } = await (await fixture.api('/api/popular?limit=100')).json() as { items: Array<{ manifest: { id: string }, requests: number, hot: boolean }> }
      const ids = items.map((item) => item.manifest.id)
      assert.ok(ids.indexOf(warm.manifest.id) < ids.indexOf(cold.manifest.id))
      const hotEntry = items.find((item) => item.manifest.id === hot.manifest.id)
      assert.equal(hotEntry?.hot, true)
      assert.equal(items.find((item) => item.manifest.id === warm.manifest.id)?.requests, 3)
      assert.equal((await fixture.api('/api/popular?limit=0')).status, 400)
      assert.equal((await fixture.api('/api/popular?limit=abc')).status, 400)
    })

    it('answers unknown routes and wrong methods with JSON errors', async function () {
      const unknown = await fixture.api('/nope')
      assert.equal(unknown.status, 404)
      assert.equal(unknown.headers.get('content-type')?.startsWith('application/json'), true)
      const method = await fixture.api('/media/01ARZ3NDEKTSV4RRFFQ69G5FAV', { method: 'DELETE' })
      assert.equal(method.status, 405)
    })

    if (backend.blobs === 's3') {
      it('imports an object from the configured bucket by key', async function () {
        const s3 = fixture.s3!
        const client = new S3Client({ region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials, requestChecksumCalculation: 'WHEN_REQUIRED' })
        const bytes = pngBytes(40_000)
        await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'media_attachments/files/1/original/a.png', Body: bytes }))
        client.destroy()
        const response = await fixture.api('/api/media/import', { method: 'POST', admin: true, body: JSON.stringify({ key: 'media_attachments/files/1/original/a.png' }), headers: { 'content-type': 'application/json' } })
        assert.equal(response.status, 201)
        assert.equal((await response.json() as { sha256: string }).sha256, sha256Of(bytes))
        const missing = await fixture.api('/api/media/import', { method: 'POST', admin: true, body: JSON.stringify({ key: 'media_attachments/none.png' }) })
        assert.equal(missing.status, 404)
        const traversal = await fixture.api('/api/media/import', { method: 'POST', admin: true, body: JSON.stringify({ key: '../escape' }) })
        assert.equal(traversal.status, 400)
      })
    } else {
      it('refuses S3 imports when no bucket is configured', async function () {
        const response = await fixture.api('/api/media/import', { method: 'POST', admin: true, body: JSON.stringify({ key: 'a.png' }) })
        assert.equal(response.status, 400)
        assert.equal((await response.json() as { error: string }).error, 'import_disabled')
      })
    }
  })
}

describe('origin file import', function () {
  let fixture: OriginFixture
  let root: string
  before(async function () {
    fixture = await startOriginFixture(undefined, {})
    root = join(fixture.dir.path, 'import-root')
    await mkdir(join(root, 'sub'), { recursive: true })
    await fixture.restart()
  })
  after(async function () {
    await fixture?.stop()
  })

  const importPath = (path: string): Promise<Response> =>
    fixture.api('/api/media/import', { method: 'POST', admin: true, body: JSON.stringify({ path }), headers: { 'content-type': 'application/json' } })

  it('imports a file under FEDSWARM_IMPORT_ROOT and nothing outside it', async function () {
    fixture.env.FEDSWARM_IMPORT_ROOT = root
    await fixture.restart()
    const bytes = pngBytes(10_000)
    await writeFile(join(root, 'sub', 'a.png'), bytes)
    await writeFile(join(fixture.dir.path, 'secret.png'), pngBytes(100))
    await symlink(join(fixture.dir.path, 'secret.png'), join(root, 'link.png'))

    const ok = await importPath('sub/a.png')
    assert.equal(ok.status, 201)
    assert.equal((await ok.json() as { sha256: string }).sha256, sha256Of(bytes))
    for (const path of ['../secret.png', 'sub/../../secret.png', join(fixture.dir.path, 'secret.png'), '/etc/passwd', 'link.png']) {
      const refused = await importPath(path)
      assert.equal(refused.status, 400, path)
      assert.equal((await refused.json() as { error: string }).error, 'import_forbidden_path', path)
    }
    assert.equal((await importPath('sub/none.png')).status, 404)
    assert.equal((await importPath('sub')).status, 404)
  })

  it('refuses malformed import bodies', async function () {
    for (const body of ['not json', '{}', '{"path": 5}', '{"path": "a", "key": "b"}', '[]']) {
      const response = await fixture.api('/api/media/import', { method: 'POST', admin: true, body, headers: { 'content-type': 'application/json' } })
      assert.equal(response.status, 400, body)
      assert.deepEqual(Object.keys(await response.json() as object).sort(), ['error', 'message'])
    }
  })
})
