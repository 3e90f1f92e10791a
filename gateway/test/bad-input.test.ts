import assert from 'node:assert/strict'
import fc from 'fast-check'
import { connect } from 'node:net'
import { sha256Of } from '@fedswarm/protocol'
import { assertJsonError, assertOrderly, pct, pngBytes, rawRequest, rawSocket, type RawRequest, type RawResponse, tempDir, type TempDir } from '@fedswarm/testkit'
import { ADMIN_TOKEN, originBackends, type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'

const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` }
const UNKNOWN_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV'

const raw = rawRequest

function multipartBody (boundary: string, parts: Array<{ name: string, filename?: string, type?: string, data: Buffer }>, close = true): Buffer {
  const chunks: Buffer[] = []
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.type === undefined ? '' : `Content-Type: ${part.type}\r\n`}\r\n`), part.data, Buffer.from('\r\n'))
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(chunks)
}

interface Case {
  name: string
  req: RawRequest
  status: number | ((status: number) => boolean)
  error?: string
}

describe('the origin answers bad input with the right 4xx and JSON {error, message}', function () {
  const backend = originBackends()[0]!
  let fixture: OriginFixture
  let importRoot: TempDir
  let port: number
  const published: Array<{ id: string, bytes: Buffer }> = []
  /** Bytes sent only in refused requests: none may have been stored. */
  const refusedUploads: Array<Buffer<ArrayBuffer>> = []
  const send = (req: RawRequest): Promise<RawResponse> => raw(port, req)

  before(async function () {
    importRoot = await tempDir('fedswarm-import-')
    fixture = await startOriginFixture(backend, { FEDSWARM_MAX_MEDIA_SIZE: '1MB', FEDSWARM_API_RATE: '1000000', FEDSWARM_IMPORT_ROOT: importRoot.path })
    port = fixture.origin.port
    for (const [size, query] of [[10_000, ''], [60_000, '?hot=1'], [150_000, '']] as const) {
      const bytes = pngBytes(size)
      const { status, manifest } = await publish(fixture, bytes, query)
      assert.equal(status, 201)
      published.push({ id: manifest.id, bytes })
    }
  })
  after(async function () {
    await fixture?.stop()
    await importRoot?.remove()
  })

  async function runTable (cases: Case[]): Promise<void> {
    for (const { name, req, status, error } of cases) {
      const response = await send(req)
      if (typeof status === 'number') assert.equal(response.status, status, `${name}: ${response.body.toString('utf8').slice(0, 300)}`)
      else assert.ok(status(response.status), `${name}: unexpected ${response.status} ${response.body.toString('utf8').slice(0, 300)}`)
      const body = assertJsonError(response, name)
      if (error !== undefined) assert.equal(body.error, error, name)
    }
  }

  describe('admin authentication', function () {
    const upload = pngBytes(2000)
    const doors: Array<{ door: string, req: (headers: Record<string, string>) => RawRequest, malformed?: (status: number) => boolean }> = [
      { door: 'POST /api/media', req: (headers) => ({ method: 'POST', path: '/api/media', headers: { 'content-type': 'image/png', ...headers }, body: upload }) },
      { door: 'POST /api/media/import', req: (headers) => ({ method: 'POST', path: '/api/media/import', headers: { 'content-type': 'application/json', ...headers }, body: '{"path":"a.png"}' }) },
      { door: 'GET /metrics', req: (headers) => ({ path: '/metrics', headers }) },
      // The tracker's /stats answers 403 to any Authorization that is not the admin token.
      { door: 'GET /stats', req: (headers) => ({ path: '/stats', headers }), malformed: (status) => status === 401 || status === 403 }
    ]
    const credentials: Array<{ what: string, headers: Record<string, string>, status: number, error: string }> = [
      { what: 'no Authorization', headers: {}, status: 401, error: 'unauthorized' },
      { what: '"Bearer" without a token', headers: { authorization: 'Bearer' }, status: 401, error: 'unauthorized' },
      { what: '"Bearer " and spaces', headers: { authorization: 'Bearer    ' }, status: 401, error: 'unauthorized' },
      { what: 'Basic x', headers: { authorization: 'Basic x' }, status: 401, error: 'unauthorized' },
      { what: 'Basic with the token as password', headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }, status: 401, error: 'unauthorized' },
      { what: 'the bare token', headers: { authorization: ADMIN_TOKEN }, status: 401, error: 'unauthorized' },
      { what: 'two tokens', headers: { authorization: `Bearer ${ADMIN_TOKEN} ${ADMIN_TOKEN}` }, status: 401, error: 'unauthorized' },
      { what: 'a wrong token', headers: { authorization: 'Bearer wrong-token' }, status: 403, error: 'forbidden' },
      { what: 'the token with a suffix', headers: { authorization: `Bearer ${ADMIN_TOKEN}x` }, status: 403, error: 'forbidden' },
      { what: 'a prefix of the token', headers: { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }, status: 403, error: 'forbidden' },
      { what: 'an 8 KB token', headers: { authorization: `Bearer ${'t'.repeat(8192)}` }, status: 403, error: 'forbidden' },
      { what: 'a token of non-ASCII bytes', headers: { authorization: `Bearer ${Buffer.from('ÿþ€tøken', 'latin1').toString('latin1')}` }, status: 403, error: 'forbidden' }
    ]

    for (const { door, req, malformed } of doors) {
      it(`${door} refuses missing, malformed and wrong credentials`, async function () {
        await runTable(credentials.map(({ what, headers, status, error }) => {
          const lenient = malformed !== undefined && status === 401 && Object.keys(headers).length > 0
          return { name: `${door} with ${what}`, req: req(headers), status: lenient ? malformed : status, error: lenient ? undefined : error }
        }))
        const missing = await send(req({}))
        assert.equal(missing.headers['www-authenticate'], 'Bearer')
      })
    }

    it('stored nothing sent with bad credentials', async function () {
      const { status } = await publish(fixture, upload)
      assert.equal(status, 201, 'the refused upload was stored before')
    })
  })

  describe('POST /api/media bodies', function () {
    it('refuses bodies that are no accepted media with 415', async function () {
      const random = Buffer.concat([Buffer.from('hello, '), pngBytes(2000).subarray(64)])
      await runTable([
        { name: 'text/plain random bytes', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'text/plain' }, body: random }, status: 415, error: 'unsupported_media_type' },
        { name: 'application/json', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'application/json' }, body: '{"file":"x"}' }, status: 415, error: 'unsupported_media_type' },
        { name: 'no content-type, random bytes', req: { method: 'POST', path: '/api/media', headers: AUTH, body: random }, status: 415, error: 'unsupported_media_type' },
        { name: 'image/png that is HTML', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'image/png' }, body: '<html><script>alert(1)</script></html>' }, status: 415, error: 'unsupported_media_type' },
        { name: 'image/svg+xml', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'image/svg+xml' }, body: '<svg xmlns="http://www.w3.org/2000/svg"/>' }, status: 415, error: 'unsupported_media_type' },
        { name: 'a garbage content-type', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': '%%%;;;===' }, body: random }, status: 415, error: 'unsupported_media_type' }
      ])
    })

    it('refuses empty bodies and bad query flags with 400', async function () {
      await runTable([
        { name: 'empty image/png', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'image/png' }, body: '' }, status: 400, error: 'empty_body' },
        { name: '?hot=maybe', req: { method: 'POST', path: '/api/media?hot=maybe', headers: { ...AUTH, 'content-type': 'image/png' }, body: pngBytes(500) }, status: 400, error: 'invalid_query' },
        { name: '?hot=1&hot=0', req: { method: 'POST', path: '/api/media?hot=1&hot=0', headers: { ...AUTH, 'content-type': 'image/png' }, body: pngBytes(500) }, status: 400, error: 'invalid_query' },
        { name: '?x=1', req: { method: 'POST', path: '/api/media?x=1', headers: { ...AUTH, 'content-type': 'image/png' }, body: pngBytes(500) }, status: 400, error: 'invalid_query' }
      ])
    })

    it('refuses broken multipart with a 4xx', async function () {
      const png = pngBytes(3000)
      refusedUploads.push(png)
      const is4xx = (status: number): boolean => status >= 400 && status < 500
      await runTable([
        { name: 'multipart without boundary', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'multipart/form-data' }, body: multipartBody('abc', [{ name: 'file', filename: 'a.png', type: 'image/png', data: png }]) }, status: is4xx },
        { name: 'multipart whose boundary is not in the body', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'multipart/form-data; boundary=zzz' }, body: multipartBody('abc', [{ name: 'file', filename: 'a.png', type: 'image/png', data: png }]) }, status: is4xx },
        { name: 'multipart with an empty boundary', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'multipart/form-data; boundary=' }, body: png }, status: is4xx },
        { name: 'multipart of plain bytes', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'multipart/form-data; boundary=abc' }, body: png }, status: is4xx },
        { name: 'multipart without a file field', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'multipart/form-data; boundary=abc' }, body: multipartBody('abc', [{ name: 'other', filename: 'a.png', type: 'image/png', data: png }]) }, status: 400, error: 'missing_file' },
        { name: 'multipart "file" as a plain field', req: { method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'multipart/form-data; boundary=abc' }, body: multipartBody('abc', [{ name: 'file', data: Buffer.from('not a file') }]) }, status: 400, error: 'missing_file' }
      ])
    })

    it('refuses a truncated multipart upload with 400, not 500', async function () {
      const png = pngBytes(3000)
      const response = await send({ method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'multipart/form-data; boundary=abc' }, body: multipartBody('abc', [{ name: 'file', filename: 'a.png', type: 'image/png', data: png }], false) })
      assert.equal(response.status, 400, response.body.toString('utf8'))
      assertJsonError(response, 'truncated multipart')
      assert.equal((await publish(fixture, png)).status, 201, 'the truncated upload was stored')
    })

    it('takes only the first of two files in one multipart upload', async function () {
      const first = pngBytes(4000)
      const second = pngBytes(5000)
      const response = await send({
        method: 'POST',
        path: '/api/media',
        headers: { ...AUTH, 'content-type': 'multipart/form-data; boundary=xyz' },
        body: multipartBody('xyz', [{ name: 'file', filename: 'a.png', type: 'image/png', data: first }, { name: 'file', filename: 'b.png', type: 'image/png', data: second }])
      })
      assert.equal(response.status, 201, response.body.toString('utf8'))
      assert.equal((JSON.parse(response.body.toString('utf8')) as { sha256: string }).sha256, sha256Of(first))
      refusedUploads.push(second)
    })

    it('refuses a declared Content-Length over the limit with 413 before reading the body', async function () {
      const png = pngBytes(1000)
      refusedUploads.push(png)
      for (const length of ['1200000', '10000000000', String(Number.MAX_SAFE_INTEGER)]) {
        const response = await send({ method: 'POST', path: '/api/media', headers: { ...AUTH, 'content-type': 'image/png', 'content-length': length }, body: png, unfinished: true })
        assert.equal(response.status, 413, length)
        assert.equal(assertJsonError(response, length).error, 'body_too_large')
      }
    })
  })

  describe('an upload refused while the client is still sending it', function () {
    it('reaches the client as the 413, not as a reset connection (the rest of the body is read and dropped)', async function () {
      // 4 MiB against a 1 MB limit, written at once without reading meanwhile (a client busy uploading): the answer
      // comes from the declared length while most of the body is still on its way. A connection closed then would
      // reset, and the reset would lose the answer and fail the write.
      const body = Buffer.alloc(4 * 1024 * 1024)
      const socket = connect(port, '127.0.0.1')
      socket.pause()
      const answer = new Promise<string>((resolve, reject) => {
        const received: Buffer[] = []
        socket.on('data', (data: Buffer) => received.push(data)).on('error', reject).on('close', () => resolve(Buffer.concat(received).toString('latin1')))
      })
      socket.write(`POST /api/media HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH.authorization}\r\nContent-Type: image/png\r\nContent-Length: ${body.length}\r\n\r\n`)
      await new Promise<void>((resolve, reject) => socket.write(body, (err) => { if (err) reject(err); else resolve() }))
      socket.end()
      socket.resume()
      const text = await answer
      assert.match(text, /^HTTP\/1\.1 413 /)
      assert.equal((JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: string }).error, 'body_too_large')
    })
  })

  describe('requests the HTTP parser refuses', function () {
    it('answers them with a 4xx and closes the connection', async function () {
      const badLength = await rawSocket(port, 'POST /api/media HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 99999999999999999999\r\n\r\nabc')
      assert.match(badLength, /^HTTP\/1\.1 4\d\d /)
      const hugeHeader = await rawSocket(port, `GET /api/popular HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'t'.repeat(20_000)}\r\n\r\n`)
      assert.match(hugeHeader, /^HTTP\/1\.1 4\d\d /)
    })

    it('answers them with JSON {error, message}', async function () {
      for (const text of ['POST /api/media HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 99999999999999999999\r\n\r\nabc',
        `GET /api/popular HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'t'.repeat(20_000)}\r\n\r\n`]) {
        const answer = await rawSocket(port, text)
        assert.match(answer, /^HTTP\/1\.1 4\d\d /)
        assert.match(answer, /\r\ncontent-type: application\/json/i)
        const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: unknown, message: unknown }
        assert.equal(typeof body.error, 'string')
        assert.equal(typeof body.message, 'string')
      }
    })
  })

  describe('POST /api/media/import bodies', function () {
    const importReq = (body: string, contentType = 'application/json'): RawRequest => ({ method: 'POST', path: '/api/media/import', headers: { ...AUTH, 'content-type': contentType }, body })

    it('refuses garbage, wrong shapes, nulls and arrays with 400', async function () {
      const bodies = ['not json', '{', '{"path":', '', 'null', 'true', '123', '"a.png"', '[]', '[{"path":"a.png"}]', '{}', '{"path":null}', '{"key":null}', '{"path":""}',
        '{"path":5}', '{"path":["a.png"]}', '{"path":{"x":1}}', '{"path":"a.png","key":"b"}', '{"path":"a.png","extra":1}', '{"__proto__":{"path":"a.png"}}',
        '{"constructor":{"prototype":{"x":1}}}', `${'['.repeat(4000)}${']'.repeat(4000)}`, '{"path":"a.png"}garbage', '\u0000']
      await runTable(bodies.map((body) => ({ name: `import ${JSON.stringify(body.slice(0, 40))}`, req: importReq(body), status: 400 })))
    })

    it('refuses paths outside the import root and answers missing ones with 404', async function () {
      await runTable([
        { name: '../ escape', req: importReq('{"path":"../../etc/passwd"}'), status: 400, error: 'import_forbidden_path' },
        { name: 'absolute path', req: importReq('{"path":"/etc/passwd"}'), status: 400, error: 'import_forbidden_path' },
        { name: 'the root itself', req: importReq('{"path":"."}'), status: 400, error: 'import_forbidden_path' },
        { name: 'a missing file', req: importReq('{"path":"none.png"}'), status: 404, error: 'import_source_missing' },
        { name: 'a NUL in the path', req: importReq('{"path":"a\\u0000.png"}'), status: (s) => s === 400 || s === 404 },
        { name: 'S3 key without a bucket', req: importReq('{"key":"a.png"}'), status: 400, error: 'import_disabled' },
        { name: 'text/plain JSON is still JSON', req: importReq('{"path":"none.png"}', 'text/plain'), status: 404, error: 'import_source_missing' }
      ])
    })

    it('refuses JSON over 16 KB with 413', async function () {
      await runTable([
        { name: '20 KB path', req: importReq(JSON.stringify({ path: 'a'.repeat(20_000) })), status: 413, error: 'body_too_large' },
        { name: '1 MB of spaces', req: importReq(`{"path":"a.png"${' '.repeat(1_000_000)}}`), status: 413, error: 'body_too_large' }
      ])
    })
  })

  describe('GET /api/popular queries', function () {
    it('refuses out-of-range, repeated and unknown parameters with 400', async function () {
      const queries = ['limit=-1', 'limit=0', 'limit=1e9', 'limit=101', 'limit=1.5', 'limit=abc', 'limit=', 'limit=1&limit=2', 'limit[]=1', 'limit[a]=1',
        'x=1', 'limit=5&x=1', '__proto__=1', 'constructor=1', 'toString=1', 'limit=%00', 'limit=%zz', 'limit=Infinity', 'limit=NaN', 'limit=99999999999999999999999']
      await runTable(queries.map((query) => ({ name: `?${query}`, req: { path: `/api/popular?${query}` }, status: 400, error: 'invalid_query' })))
    })

    it('answers valid limits with a list of at most that many items', async function () {
      for (const limit of ['1', '3', '100', ' 2', '02']) {
        const response = await send({ path: `/api/popular?limit=${pct(limit)}` })
        assert.equal(response.status, 200, limit)
        const { items } = JSON.parse(response.body.toString('utf8')) as { items: unknown[] }
        assert.ok(Array.isArray(items) && items.length <= Number(limit), limit)
      }
    })
  })

  describe('paths', function () {
    it('answers path tricks on /media/ and /api/media/ with 400 or 404', async function () {
      const is400or404 = (status: number): boolean => status === 400 || status === 404
      await runTable([
        { name: '/media/..%2F..%2Fetc%2Fpasswd', req: { path: '/media/..%2F..%2Fetc%2Fpasswd' }, status: 400, error: 'invalid_id' },
        { name: '/media/%00', req: { path: '/media/%00' }, status: 400, error: 'invalid_id' },
        { name: '/media/ + 5000 chars', req: { path: `/media/${'A'.repeat(5000)}` }, status: 400, error: 'invalid_id' },
        { name: '/media/ + 5000 chars + .torrent', req: { path: `/media/${'A'.repeat(5000)}.torrent` }, status: 400, error: 'invalid_id' },
        { name: '/api/media/%2e%2e', req: { path: '/api/media/%2e%2e' }, status: is400or404 },
        { name: '/api/media/..', req: { path: '/api/media/..' }, status: is400or404 },
        { name: '/media/..', req: { path: '/media/..' }, status: is400or404 },
        { name: '/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd', req: { path: '/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd' }, status: 400, error: 'invalid_id' },
        { name: '/media/%C0%AE%C0%AE', req: { path: '/media/%C0%AE%C0%AE' }, status: 400 },
        { name: '/media/%E0%A4%A (broken escape)', req: { path: '/media/%E0%A4%A' }, status: 400 },
        { name: '/media/%', req: { path: '/media/%' }, status: 400 },
        { name: '/media/ULID%00', req: { path: `/media/${UNKNOWN_ID}%00` }, status: 400, error: 'invalid_id' },
        { name: 'lowercase-looking id', req: { path: `/media/${UNKNOWN_ID.toLowerCase()}` }, status: (s) => s === 400 || s === 404 },
        { name: '/media/.torrent', req: { path: '/media/.torrent' }, status: 400, error: 'invalid_id' },
        { name: '/media//etc/passwd', req: { path: '/media//etc/passwd' }, status: 404 },
        { name: '/api/media/ + 5000 chars', req: { path: `/api/media/${'A'.repeat(5000)}` }, status: 400, error: 'invalid_id' },
        { name: '/api/media/%00/activitypub', req: { path: '/api/media/%00/activitypub' }, status: 400, error: 'invalid_id' },
        { name: 'DELETE /media/:id', req: { method: 'DELETE', path: `/media/${UNKNOWN_ID}` }, status: 405, error: 'method_not_allowed' },
        { name: 'PUT /media/:id', req: { method: 'PUT', path: `/media/${UNKNOWN_ID}`, body: 'x' }, status: 405, error: 'method_not_allowed' },
        { name: 'unknown route', req: { path: '/etc/passwd' }, status: 404, error: 'not_found' }
      ])
    })
  })

  describe('tracker', function () {
    const hash = '%AA'.repeat(20)
    it('answers malformed announces and a full scrape with 400 JSON', async function () {
      await runTable([
        { name: 'announce without a query', req: { path: '/announce' }, status: 400, error: 'malformed_announce' },
        { name: 'announce with a short info_hash', req: { path: `/announce?info_hash=abc&peer_id=${hash}&port=6881` }, status: 400, error: 'malformed_announce' },
        { name: 'announce without peer_id', req: { path: `/announce?info_hash=${hash}&port=6881` }, status: 400, error: 'malformed_announce' },
        { name: 'announce with port 0', req: { path: `/announce?info_hash=${hash}&peer_id=${hash}&port=0` }, status: 400, error: 'malformed_announce' },
        { name: 'announce with port 99999', req: { path: `/announce?info_hash=${hash}&peer_id=${hash}&port=99999` }, status: 400, error: 'malformed_announce' },
        { name: 'announce with a negative counter', req: { path: `/announce?info_hash=${hash}&peer_id=${hash}&port=6881&left=-1` }, status: 400, error: 'malformed_announce' },
        { name: 'announce with an unknown event', req: { path: `/announce?info_hash=${hash}&peer_id=${hash}&port=6881&event=bogus` }, status: 400, error: 'malformed_announce' },
        { name: 'announce with info_hash twice', req: { path: `/announce?info_hash=${hash}&info_hash=${hash}&peer_id=${hash}&port=6881` }, status: 400, error: 'malformed_announce' },
        { name: 'full scrape', req: { path: '/scrape' }, status: 400, error: 'full_scrape_refused' },
        { name: 'scrape with a short info_hash', req: { path: '/scrape?info_hash=abc' }, status: 400, error: 'malformed_scrape' }
      ])
    })
  })

  describe('properties: random input never reaches a 5xx', function () {
    const junkPieces = ['%', '%2', '%2e', '%2E', '%2F', '%2f', '%5C', '..', '.', '/', 'A', 'Z', '0', '9', '%00', '%C0%AF', '%E0%A4%A', '%FF', '.torrent', UNKNOWN_ID, ';', '=', '~', '%20', '+', '@', ':']
    const segment = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map(pct),
      fc.string({ maxLength: 60 }).map(pct),
      fc.array(fc.constantFrom(...junkPieces), { maxLength: 12 }).map((pieces) => pieces.join('')),
      fc.stringMatching(/^[0-9A-Za-z]{20,30}$/)
    )

    it('random path segments on /media/:id and /api/media/:id', async function () {
      await fc.assert(fc.asyncProperty(segment, fc.constantFrom('/media/', '/api/media/', '/api/media/@/activitypub'), fc.constantFrom('GET', 'HEAD'), async (seg, prefix, method) => {
        const path = prefix.includes('@') ? prefix.replace('@', seg) : `${prefix}${seg}`
        const response = await send({ method, path })
        assert.ok(response.status < 500, `${method} ${path}: ${response.status}`)
        if (method === 'GET') assertOrderly(response, `${method} ${path}`)
      }), { numRuns: 150 })
    })

    it('random Range headers on /media/:id', async function () {
      const item = published[0]!
      const header = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 30 }).map((text) => `bytes=${text}`),
        fc.array(fc.oneof(fc.nat({ max: 30_000 }).map(String), fc.constantFrom('-', ',', ' ', '', '=', 'bytes', '99999999999999999999')), { maxLength: 10 }).map((parts) => `bytes=${parts.join('')}`),
        fc.array(fc.tuple(fc.option(fc.nat({ max: 12_000 })), fc.option(fc.nat({ max: 12_000 }))), { minLength: 1, maxLength: 20 })
          .map((ranges) => `bytes=${ranges.map(([a, b]) => `${a ?? ''}-${b ?? ''}`).join(',')}`)
      )
      await fc.assert(fc.asyncProperty(header, async (range) => {
        const response = await send({ path: `/media/${item.id}`, headers: { range } })
        const label = `Range: ${range}`
        assert.ok([200, 206, 416].includes(response.status), `${label} → ${response.status}`)
        if (response.status === 416) {
          assertJsonError(response, label)
          assert.equal(response.headers['content-range'], `bytes */${item.bytes.length}`)
        } else if (response.status === 200) {
          assert.ok(response.body.equals(item.bytes), label)
        } else if (!String(response.headers['content-type']).startsWith('multipart/')) {
          const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(response.headers['content-range']))
          assert.ok(match !== null, label)
          assert.ok(response.body.equals(item.bytes.subarray(Number(match[1]), Number(match[2]) + 1)), label)
        } else {
          assert.equal(response.body.length, Number(response.headers['content-length']), label)
        }
      }), { numRuns: 150 })
    })

    it('random query strings on /api/popular', async function () {
      const key = fc.oneof(fc.constantFrom('limit', 'limit[]', 'hot', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ''), fc.string({ maxLength: 10 }).map(pct))
      const value = fc.oneof(fc.integer({ min: -10, max: 200 }).map(String), fc.constantFrom('', '1e9', '0x10', 'Infinity', '%00', '%zz', '[]', '{}'), fc.string({ maxLength: 10 }).map(pct))
      const query = fc.oneof(
        fc.array(fc.tuple(key, value), { maxLength: 5 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
        fc.string({ unit: 'binary', maxLength: 40 }).map(pct),
        fc.array(fc.constantFrom('&', '=', '%', 'limit', '1', '[', ']', '%26', '%3D', ';'), { maxLength: 12 }).map((pieces) => pieces.join(''))
      )
      await fc.assert(fc.asyncProperty(query, async (q) => {
        const response = await send({ path: `/api/popular?${q}` })
        assertOrderly(response, `?${q}`)
        if (response.status === 200) assert.ok(Array.isArray((JSON.parse(response.body.toString('utf8')) as { items: unknown }).items))
        else assert.equal(response.status, 400, `?${q}`)
      }), { numRuns: 150 })
    })

    it('random bodies on /api/media/import', async function () {
      const body = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.json({ maxDepth: 3 }),
        fc.record({ path: fc.string({ unit: 'binary', maxLength: 60 }) }).map((o) => JSON.stringify(o)),
        fc.record({ key: fc.string({ maxLength: 60 }) }).map((o) => JSON.stringify(o)),
        fc.record({ path: fc.array(fc.constantFrom('..', '.', '/', 'a', 'a.png', '\u0000', '~', '%2e'), { minLength: 1, maxLength: 8 }).map((parts) => parts.join('/')) }).map((o) => JSON.stringify(o))
      )
      await fc.assert(fc.asyncProperty(body, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (text, contentType) => {
        const response = await send({ method: 'POST', path: '/api/media/import', headers: { ...AUTH, 'content-type': contentType }, body: text })
        assertOrderly(response, `import ${JSON.stringify(text)}`)
        assert.ok(response.status >= 400, `import ${JSON.stringify(text)} succeeded with an empty root`)
      }), { numRuns: 150 })
    })
  })

  describe('afterwards', function () {
    it('lost nothing: every item published at the start is served byte-exact', async function () {
      for (const { id, bytes } of published) {
        const response = await send({ path: `/media/${id}` })
        assert.equal(response.status, 200, id)
        assert.ok(response.body.equals(bytes), id)
        const manifest = await send({ path: `/api/media/${id}` })
        assert.equal(manifest.status, 200)
        assert.equal((JSON.parse(manifest.body.toString('utf8')) as { sha256: string }).sha256, sha256Of(bytes))
      }
    })

    it('stored none of the refused uploads', async function () {
      for (const bytes of refusedUploads) {
        const { status, manifest } = await publish(fixture, bytes)
        assert.equal(status, 201, `refused bytes ${manifest.sha256} were stored`)
      }
    })

    it('still answers /healthz with 200', async function () {
      const response = await send({ path: '/healthz' })
      assert.equal(response.status, 200)
      assert.deepEqual(JSON.parse(response.body.toString('utf8')), { ok: true })
    })
  })
})
