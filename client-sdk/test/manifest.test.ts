import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { checkManifest, fetchMedia } from '../src/index.ts'
import { describedBy } from '../src/manifest.ts'
import { bytesOf, json, manifestFor, tableFetch } from './fixtures.ts'

describe('client SDK: finding the manifest', () => {
  const bytes = randomBytes(5000)
  const manifest = manifestFor(bytes)
  const api = 'http://origin.test/api/media/01JD3TESTTESTTESTTESTTESTT'

  it('checkManifest accepts a manifest and names what is wrong with others', () => {
    assert.equal(checkManifest(manifest), manifest)
    assert.throws(() => checkManifest({ ...manifest, type: 'x' }), { name: 'ManifestError', code: 'bad_manifest' })
    assert.throws(() => checkManifest({ ...manifest, sha256: 'short' }), /sha256/)
    assert.throws(() => checkManifest({ ...manifest, mirrors: ['file:///etc/passwd'] }), /mirrors/)
    assert.throws(() => checkManifest({ ...manifest, size: -1 }), /size/)
    assert.throws(() => checkManifest(null), /not an object/)
  })

  it('describedBy finds the manifest among several Link values and resolves it', () => {
    assert.equal(describedBy('<https://o.example/api/media/1>; rel="describedby"; type="application/json"', 'https://o.example/media/1'), 'https://o.example/api/media/1')
    assert.equal(describedBy('</x.torrent>; rel="alternate", </api/media/2>; rel=describedby', 'https://o.example/media/2'), 'https://o.example/api/media/2')
    assert.equal(describedBy('</a>; rel="alternate"', 'https://o.example/'), undefined)
    assert.equal(describedBy(null, 'https://o.example/'), undefined)
  })

  it('follows the media URL\'s Link header, then fetches the bytes', async () => {
    const fetch = tableFetch({
      [`HEAD ${manifest.url}`]: () => new Response(null, { status: 200, headers: { link: `<${api}>; rel="describedby"; type="application/json"` } }),
      [`GET ${api}`]: () => json(200, manifest),
      [`GET ${manifest.url}`]: () => bytesOf(bytes)
    })
    const result = await fetchMedia(manifest.url, { fetch })
    assert.deepEqual(Buffer.from(result.bytes), bytes)
    assert.deepEqual(fetch.calls, [`HEAD ${manifest.url}`, `GET ${api}`, `GET ${manifest.url}`])
  })

  it('without a Link (a redirect to a mirror, an error) asks the API beside /media/:id', async () => {
    const fetch = tableFetch({
      [`HEAD ${manifest.url}`]: () => new Response(null, { status: 410 }),
      [`GET ${api}`]: () => json(410, { error: 'media_deleted', message: 'this media was deleted by the origin', notice: { seq: 1 } })
    })
    await assert.rejects(fetchMedia(manifest.url, { fetch }), (err: Error & { code: string, status: number, notice: unknown }) => {
      assert.equal(err.name, 'DeletedError')
      assert.equal(err.code, 'media_deleted')
      assert.equal(err.status, 410)
      assert.match(err.message, /this media was deleted by the origin \(HTTP 410\)/)
      assert.deepEqual(err.notice, { seq: 1 })
      return true
    })
    const unknown = tableFetch({
      [`HEAD ${manifest.url}`]: () => new Response(null, { status: 404 }),
      [`GET ${api}`]: () => json(404, { error: 'media_not_found', message: 'no media with this id' })
    })
    await assert.rejects(fetchMedia(manifest.url, { fetch: unknown }), { name: 'NotFoundError', code: 'not_found', status: 404 })
  })

  it('a URL that leads to no manifest, an unreachable origin, a non-URL: typed errors', async () => {
    const elsewhere = tableFetch({ 'HEAD http://else.test/picture.png': () => new Response(null, { status: 200 }) })
    await assert.rejects(fetchMedia('http://else.test/picture.png', { fetch: elsewhere }), { name: 'ManifestError', message: /no Link/ })
    await assert.rejects(fetchMedia(api, { fetch: tableFetch({}) }), { name: 'UnavailableError', code: 'unavailable' })
    await assert.rejects(fetchMedia('not a url'), { name: 'ManifestError', message: /not a URL/ })
    await assert.rejects(fetchMedia('ftp://origin.test/media/1'), { name: 'ManifestError' })
  })
})
