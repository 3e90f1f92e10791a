import assert from 'node:assert/strict'
import fc from 'fast-check'
import parseTorrent from 'parse-torrent'
import { sha256Of } from '@fedswarm/protocol'
import { metric, pngBytes } from '@fedswarm/testkit'
import { originBackends, type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'

const SIZE = 200_000
const UNKNOWN_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV'

interface Part { headers: Record<string, string>, body: Buffer }

/** Splits a multipart/byteranges body on its boundary (RFC 9110 §14.6). */
function parseMultipart (body: Buffer, contentType: string): Part[] {
  const match = /boundary=("?)([^";]+)\1/.exec(contentType)
  assert.ok(match !== null, `no boundary in ${contentType}`)
  const delimiter = Buffer.from(`--${match[2]!}`)
  const parts: Part[] = []
  let at = body.indexOf(delimiter)
  assert.equal(at, 0, 'the body starts with the first delimiter')
  for (;;) {
    at += delimiter.length
    if (body.subarray(at, at + 2).toString() === '--') {
      assert.equal(body.subarray(at + 2).toString(), '\r\n', 'nothing but CRLF after the close delimiter')
      return parts
    }
    assert.equal(body.subarray(at, at + 2).toString(), '\r\n')
    const headEnd = body.indexOf('\r\n\r\n', at)
    assert.ok(headEnd > 0)
    const headers: Record<string, string> = {}
    for (const line of body.subarray(at + 2, headEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headEnd + 4)
    assert.ok(next > 0, 'every part ends with a delimiter')
    parts.push({ headers, body: body.subarray(headEnd + 4, next) })
    at = next + 2
  }
}

async function errorBody (response: Response): Promise<{ error: string, message: string }> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
  const body = await response.json() as { error: unknown, message: unknown }
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message'])
  assert.equal(typeof body.error, 'string')
  assert.equal(typeof body.message, 'string')
  return body as { error: string, message: string }
}

for (const backend of originBackends()) {
  describe(`origin media bytes (GET|HEAD /media/:id) on ${backend.name}`, function () {
    let fixture: OriginFixture
    let bytes: Buffer<ArrayBuffer>
    let id: string
    let infoHash: string
    let path: string

    before(async function () {
      fixture = await startOriginFixture(backend, { FEDSWARM_MAX_MEDIA_SIZE: '2MB' })
      bytes = pngBytes(SIZE)
      const published = await publish(fixture, bytes)
      assert.equal(published.status, 201)
      id = published.manifest.id
      infoHash = published.manifest.infoHash
      path = `/media/${id}`
    })
    after(async function () {
      await fixture?.stop()
    })

    const get = (headers: Record<string, string> = {}, method = 'GET'): Promise<Response> => fixture.api(path, { method, headers })
    const body = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer())

    async function expectRange (range: string, start: number, end: number): Promise<void> {
      const response = await get({ range })
      assert.equal(response.status, 206, range)
      assert.equal(response.headers.get('content-range'), `bytes ${start}-${end}/${SIZE}`, range)
      assert.equal(response.headers.get('content-length'), String(end - start + 1), range)
      assert.equal(response.headers.get('content-type'), 'image/png', range)
      assert.deepEqual(await body(response), bytes.subarray(start, end + 1), range)
    }

    it('serves the whole item byte-exact with the headers of design §5', async function () {
      const response = await get()
      assert.equal(response.status, 200)
      const h = response.headers
      assert.equal(h.get('content-type'), 'image/png')
      assert.equal(h.get('content-length'), String(SIZE))
      assert.match(h.get('etag') ?? '', /^"[^"]+"$/, 'a strong ETag')
      assert.equal(h.get('accept-ranges'), 'bytes')
      assert.match(h.get('cache-control') ?? '', /\bpublic\b/)
      assert.match(h.get('cache-control') ?? '', /\bimmutable\b/)
      assert.equal(h.get('x-content-type-options'), 'nosniff')
      assert.equal(h.get('content-security-policy'), "default-src 'none'; sandbox")
      assert.ok(!Number.isNaN(Date.parse(h.get('last-modified') ?? '')), 'a Last-Modified date')
      const link = h.get('link') ?? ''
      assert.ok(link.includes(`<${fixture.url}/api/media/${id}>`), link)
      assert.match(link, /rel="describedby"/)
      const served = await body(response)
      assert.equal(served.length, SIZE)
      assert.equal(sha256Of(served), sha256Of(bytes))
      assert.deepEqual(served, bytes)

      // The Link leads to the manifest of these bytes.
      const manifest = await (await fetch(link.slice(1, link.indexOf('>')))).json() as { id: string, sha256: string }
      assert.equal(manifest.id, id)
      assert.equal(manifest.sha256, sha256Of(bytes))
    })

    it('answers HEAD with the same headers and no body', async function () {
      const full = await get()
      await full.arrayBuffer()
      const head = await get({}, 'HEAD')
      assert.equal(head.status, 200)
      const strip = (headers: Headers): Record<string, string> => Object.fromEntries([...headers].filter(([name]) => !['date', 'keep-alive', 'connection'].includes(name)))
      assert.deepEqual(strip(head.headers), strip(full.headers))
      assert.equal((await body(head)).length, 0)

      const ranged = await get({ range: 'bytes=10-19' }, 'HEAD')
      assert.equal(ranged.status, 206)
      assert.equal(ranged.headers.get('content-range'), `bytes 10-19/${SIZE}`)
      assert.equal(ranged.headers.get('content-length'), '10')
      assert.equal((await body(ranged)).length, 0)
    })

    it('counts every answer by route and status in fedswarm_http_requests_total', async function () {
      const count = async (status: string): Promise<number> => metric(await (await fixture.api('/metrics', { admin: true })).text(), 'fedswarm_http_requests_total', { route: '/media/:name', status })
      const [partial, whole] = [await count('206'), await count('200')]
      for (let i = 0; i < 3; i++) await body(await get({ range: `bytes=${i}-${i + 99}` }))
      await body(await get())
      assert.equal(await count('206'), partial + 3)
      assert.equal(await count('200'), whole + 1)
    })

    it('serves single ranges byte-exact with 206 and Content-Range', async function () {
      await expectRange('bytes=0-0', 0, 0)
      await expectRange(`bytes=${SIZE - 1}-${SIZE - 1}`, SIZE - 1, SIZE - 1)
      await expectRange('bytes=70000-130001', 70_000, 130_001)
      await expectRange('bytes=-1000', SIZE - 1000, SIZE - 1)
      await expectRange('bytes=123456-', 123_456, SIZE - 1)
      await expectRange(`bytes=${SIZE - 100}-${SIZE + 100_000}`, SIZE - 100, SIZE - 1)
      await expectRange(`bytes=-${SIZE * 3}`, 0, SIZE - 1)
      await expectRange('bytes=0-', 0, SIZE - 1)
    })

    it('serves a multi-range request as multipart/byteranges', async function () {
      const response = await get({ range: 'bytes=0-9,100-109' })
      assert.equal(response.status, 206)
      const contentType = response.headers.get('content-type') ?? ''
      assert.match(contentType, /^multipart\/byteranges; boundary=/)
      assert.equal(response.headers.get('content-range'), null, 'no Content-Range on the multipart response itself')
      const raw = await body(response)
      assert.equal(response.headers.get('content-length'), String(raw.length))
      const parts = parseMultipart(raw, contentType)
      assert.equal(parts.length, 2)
      assert.equal(parts[0]!.headers['content-range'], `bytes 0-9/${SIZE}`)
      assert.equal(parts[0]!.headers['content-type'], 'image/png')
      assert.deepEqual(parts[0]!.body, bytes.subarray(0, 10))
      assert.equal(parts[1]!.headers['content-range'], `bytes 100-109/${SIZE}`)
      assert.equal(parts[1]!.headers['content-type'], 'image/png')
      assert.deepEqual(parts[1]!.body, bytes.subarray(100, 110))
    })

    it('coalesces overlapping ranges into one part, and a three-range request into three parts', async function () {
      await expectRange('bytes=0-99,50-149', 0, 149)
      const response = await get({ range: `bytes=-5,1000-1999,1-1` })
      assert.equal(response.status, 206)
      const parts = parseMultipart(await body(response), response.headers.get('content-type') ?? '')
      assert.deepEqual(parts.map((part) => part.headers['content-range']), [`bytes 1-1/${SIZE}`, `bytes 1000-1999/${SIZE}`, `bytes ${SIZE - 5}-${SIZE - 1}/${SIZE}`])
      assert.deepEqual(parts.map((part) => part.body), [bytes.subarray(1, 2), bytes.subarray(1000, 2000), bytes.subarray(SIZE - 5)])
    })

    // s3rver answers `Range: bytes=0-0` with the whole object: the origin must bound what it sends.
    it('serves a part for the first byte alone in a multi-range response', async function () {
      const response = await get({ range: 'bytes=0-0,5-5' })
      assert.equal(response.status, 206)
      const parts = parseMultipart(await body(response), response.headers.get('content-type') ?? '')
      assert.deepEqual(parts.map((part) => part.headers['content-range']), [`bytes 0-0/${SIZE}`, `bytes 5-5/${SIZE}`])
      assert.deepEqual(parts.map((part) => part.body), [bytes.subarray(0, 1), bytes.subarray(5, 6)])
    })

    it('answers an unsatisfiable range with 416, Content-Range bytes */SIZE and a JSON error', async function () {
      for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 10}-${SIZE + 20}`, 'bytes=-0']) {
        const response = await get({ range })
        assert.equal(response.status, 416, range)
        assert.equal(response.headers.get('content-range'), `bytes */${SIZE}`, range)
        assert.equal((await errorBody(response)).error, 'range_not_satisfiable', range)
      }
    })

    it('answers a malformed range with 416 and ignores other units', async function () {
      for (const range of ['bytes=abc', 'bytes=', 'bytes=5-2', 'bytes=1-2-3']) {
        const response = await get({ range })
        assert.equal(response.status, 416, range)
        assert.equal(response.headers.get('content-range'), `bytes */${SIZE}`, range)
        assert.equal((await errorBody(response)).error, 'range_not_satisfiable', range)
      }
      const other = await get({ range: 'items=0-1' })
      assert.equal(other.status, 200)
      assert.deepEqual(await body(other), bytes)
    })

    it('answers If-None-Match with the ETag (strong or W/) by 304, another tag by 200', async function () {
      const etag = (await get({}, 'HEAD')).headers.get('etag')!
      for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const response = await get({ 'if-none-match': inm })
        assert.equal(response.status, 304, inm)
        assert.equal(response.headers.get('etag'), etag, inm)
        assert.equal((await body(response)).length, 0, inm)
      }
      const other = await get({ 'if-none-match': '"other"' })
      assert.equal(other.status, 200)
      assert.deepEqual(await body(other), bytes)
      // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
      const both = await get({ 'if-none-match': '"other"', 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() })
      assert.equal(both.status, 200)
      await body(both)
    })

    it('answers If-Match with another tag (or a weak one) by 412, with the ETag by 200', async function () {
      const etag = (await get({}, 'HEAD')).headers.get('etag')!
      for (const im of ['"other"', `W/${etag}`]) {
        const response = await get({ 'if-match': im })
        assert.equal(response.status, 412, im)
        assert.equal((await errorBody(response)).error, 'precondition_failed', im)
      }
      const matching = await get({ 'if-match': etag })
      assert.equal(matching.status, 200)
      assert.deepEqual(await body(matching), bytes)
      const any = await get({ 'if-match': '*', range: 'bytes=0-3' })
      assert.equal(any.status, 206)
      assert.deepEqual(await body(any), bytes.subarray(0, 4))
    })

    it('honours If-Range: the ETag or Last-Modified keeps the range, another validator sends it all', async function () {
      const head = await get({}, 'HEAD')
      const etag = head.headers.get('etag')!
      const lastModified = head.headers.get('last-modified')!
      for (const ifRange of [etag, lastModified]) {
        const response = await get({ 'if-range': ifRange, range: 'bytes=10-29' })
        assert.equal(response.status, 206, ifRange)
        assert.equal(response.headers.get('content-range'), `bytes 10-29/${SIZE}`)
        assert.deepEqual(await body(response), bytes.subarray(10, 30))
      }
      for (const ifRange of ['"other"', `W/${etag}`, 'Thu, 01 Jan 1970 00:00:00 GMT']) {
        const response = await get({ 'if-range': ifRange, range: 'bytes=10-29' })
        assert.equal(response.status, 200, ifRange)
        assert.equal(response.headers.get('content-range'), null)
        assert.deepEqual(await body(response), bytes, ifRange)
      }
    })

    it('answers If-Modified-Since at or after Last-Modified by 304, before it by 200', async function () {
      const lastModified = (await get({}, 'HEAD')).headers.get('last-modified')!
      for (const since of [new Date(Date.now() + 86_400_000).toUTCString(), lastModified]) {
        const response = await get({ 'if-modified-since': since })
        assert.equal(response.status, 304, since)
        assert.equal((await body(response)).length, 0)
      }
      for (const since of [new Date(Date.parse(lastModified) - 60_000).toUTCString(), 'not a date']) {
        const response = await get({ 'if-modified-since': since })
        assert.equal(response.status, 200, since)
        assert.deepEqual(await body(response), bytes)
      }
    })

    it('serves /media/:id.torrent as application/x-bittorrent', async function () {
      const response = await fixture.api(`${path}.torrent`)
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type') ?? '', /^application\/x-bittorrent/)
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
      const torrent = await parseTorrent(await body(response))
      assert.equal(torrent.infoHash, infoHash)
      assert.equal(torrent.length, SIZE)
    })

    it('answers 404 for an unknown id and 400 for a malformed one, as JSON', async function () {
      for (const unknown of [`/media/${UNKNOWN_ID}`, `/media/${UNKNOWN_ID}.torrent`]) {
        const response = await fixture.api(unknown)
        assert.equal(response.status, 404, unknown)
        assert.equal((await errorBody(response)).error, 'media_not_found')
      }
      const head = await fixture.api(`/media/${UNKNOWN_ID}`, { method: 'HEAD' })
      assert.equal(head.status, 404)
      await head.arrayBuffer()
      for (const malformed of ['/media/not-a-ulid', `/media/${id}x`, `/media/${id.slice(1)}`, '/media/IIIIIIIIIIIIIIIIIIIIIIIIII', '/media/x.torrent']) {
        const response = await fixture.api(malformed)
        assert.equal(response.status, 400, malformed)
        assert.equal((await errorBody(response)).error, 'invalid_id', malformed)
      }
    })

    it('serves any valid range byte-exact (property)', async function () {
      await fc.assert(fc.asyncProperty(fc.nat({ max: SIZE - 1 }), fc.nat({ max: SIZE - 1 }), async (a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a]
        const response = await get({ range: `bytes=${start}-${end}` })
        assert.equal(response.status, 206)
        assert.equal(response.headers.get('content-range'), `bytes ${start}-${end}/${SIZE}`)
        const served = await body(response)
        assert.equal(served.length, end - start + 1)
        assert.ok(served.equals(bytes.subarray(start, end + 1)), `bytes=${start}-${end} differ`)
      }), { numRuns: 100 })
    })
  })
}
