import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { assertJsonError, assertOrderly, metric, parseRawAnswer, pct, rawRequest, rawSocket, type RawRequest, type RawResponse } from '@fedswarm/testkit'
import { startMirrorFixture, type HeldItem, type MirrorFixture } from './mirror-fixture.ts'
import { storeSnapshot, type StoreSnapshot } from './store-snapshot.ts'

interface Case {
  name: string
  req: RawRequest
  status: number | ((status: number) => boolean)
  error?: string
}

const is400or404 = (status: number): boolean => status === 400 || status === 404
const UNKNOWN_HASH = 'f'.repeat(40)

describe('the seeder answers bad input with a JSON 4xx, stays up and changes nothing', function () {
  this.timeout(60_000)
  let f: MirrorFixture
  let small: HeldItem
  let large: HeldItem
  let initial: StoreSnapshot
  const send = (req: RawRequest): Promise<RawResponse> => rawRequest(f.port, req)

  before(async function () {
    f = await startMirrorFixture([30_000, 300_000])
    ;[small, large] = f.held as [HeldItem, HeldItem]
    initial = await storeSnapshot(f.seeder, f.origin.url)
  })
  after(async function () {
    await f?.stop()
  })

  async function runTable (cases: Case[]): Promise<void> {
    for (const { name, req, status, error } of cases) {
      const response = await send(req)
      if (typeof status === 'number') assert.equal(response.status, status, `${name}: ${response.body.toString('utf8').slice(0, 300)}`)
      else assert.ok(status(response.status), `${name}: unexpected ${response.status} ${response.body.toString('utf8').slice(0, 300)}`)
      if (req.method === 'HEAD') continue
      const body = assertJsonError(response, name)
      if (error !== undefined) assert.equal(body.error, error, name)
    }
  }

  describe('paths', function () {
    it('refuses traversal attempts and malformed hashes on /media/ with 400 or 404', async function () {
      const hash = small.infoHash
      const paths = ['/media/..', '/media/%2e%2e', '/media/%2E%2E', '/media/..%2F..%2F..%2Fetc%2Fpasswd', '/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        '/media/..\\..\\etc\\passwd', '/media/%5C..%5C..%5Cetc%5Cpasswd', '/media/..%5Citems', '/media/%00', `/media/${hash}%00`, `/media/%00${hash}`,
        `/media/${hash}/..`, `/media/${hash}/../${hash}`, `/media/../media/${hash}`, `/media/${hash}%2F..%2F${hash}`, `/media/${hash}%2F${small.mediaId}`,
        `/media/${hash}/${small.mediaId}`, `/items/${hash}/${small.mediaId}`, `/media/${hash.toUpperCase()}`, `/media/${hash}.torrent`, `/media/${hash.slice(0, 39)}`,
        `/media/${hash}0`, `/media/${hash};x`, `/media/${'a'.repeat(5000)}`, '/media/%', '/media/%E0%A4%A', '/media/%C0%AE%C0%AE', '/media/%FF', '/media/',
        '/media', '/%2e%2e/%2e%2e/etc/passwd', '/..', `/./media/${hash}`, `//media/${hash}`, '/media/\\', `/media/~${hash}`]
      await runTable(paths.map((path) => ({ name: path, req: { path }, status: is400or404 })))
      await runTable([
        { name: 'a path that is not valid percent-encoding', req: { path: '/media/%E0%A4%A' }, status: 400, error: 'bad_request' },
        { name: 'not an info hash', req: { path: '/media/%2e%2e%2fetc' }, status: 400, error: 'invalid_info_hash' },
        { name: 'an info hash this seeder does not hold', req: { path: `/media/${UNKNOWN_HASH}` }, status: 404, error: 'media_not_held' },
        { name: 'a deleted item', req: { path: `/media/${f.deleted}` }, status: 410, error: 'media_deleted' },
        { name: 'an unknown route', req: { path: '/etc/passwd' }, status: 404, error: 'not_found' }
      ])
    })

    it('answers other methods with 405 and the methods it takes', async function () {
      const hash = small.infoHash
      const cases: Case[] = ['PUT', 'DELETE', 'POST', 'PATCH', 'OPTIONS', 'TRACE'].map((method) => ({ name: `${method} /media/:infoHash`, req: { method, path: `/media/${hash}`, body: 'x' }, status: 405, error: 'method_not_allowed' }))
      cases.push(...['GET', 'PUT', 'DELETE'].map((method) => ({ name: `${method} /api/poke`, req: { method, path: '/api/poke' }, status: 405, error: 'method_not_allowed' })))
      cases.push({ name: 'POST /healthz', req: { method: 'POST', path: '/healthz', body: '{}' }, status: 404, error: 'not_found' })
      await runTable(cases)
      assert.equal((await send({ method: 'PUT', path: `/media/${hash}` })).headers.allow, 'GET, HEAD')
      assert.equal((await send({ path: '/api/poke' })).headers.allow, 'POST')
    })
  })

  describe('Range and conditional headers', function () {
    it('answers unsatisfiable ranges with 416 JSON and Content-Range: bytes */size', async function () {
      const size = small.bytes.length
      for (const range of [`bytes=${size}-`, `bytes=${size}-${size + 10}`, 'bytes=99999999999999999999-', 'bytes=-0', `bytes=${size * 2}-${size * 3},${size * 4}-`]) {
        const response = await send({ path: `/media/${small.infoHash}`, headers: { range } })
        assert.equal(response.status, 416, range)
        assert.equal(assertJsonError(response, range).error, 'range_not_satisfiable')
        assert.equal(response.headers['content-range'], `bytes */${size}`)
      }
    })

    it('honours RFC 9110 conditionals and treats garbage validators as no match', async function () {
      const path = `/media/${small.infoHash}`
      const etag = `"${small.sha256}"`
      const cases: Array<{ headers: Record<string, string>, status: number }> = [
        { headers: { 'if-none-match': etag }, status: 304 },
        { headers: { 'if-none-match': `W/${etag}` }, status: 304 },
        { headers: { 'if-none-match': `"x", ${etag}` }, status: 304 },
        { headers: { 'if-none-match': '*' }, status: 304 },
        { headers: { 'if-none-match': '"x", , ,,' }, status: 200 },
        { headers: { 'if-none-match': 'x'.repeat(8000) }, status: 200 },
        { headers: { 'if-match': 'garbage' }, status: 412 },
        { headers: { 'if-match': `W/${etag}` }, status: 412 },
        { headers: { 'if-match': etag }, status: 200 },
        { headers: { 'if-modified-since': 'garbage' }, status: 200 },
        { headers: { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' }, status: 200 },
        { headers: { 'if-modified-since': 'Fri, 01 Jan 2100 00:00:00 GMT' }, status: 304 },
        { headers: { 'if-range': 'garbage', range: 'bytes=0-9' }, status: 200 },
        { headers: { 'if-range': etag, range: 'bytes=0-9' }, status: 206 }
      ]
      for (const { headers, status } of cases) {
        const response = await send({ path, headers })
        const label = JSON.stringify(headers).slice(0, 120)
        assert.equal(response.status, status, label)
        if (status === 412) assert.equal(assertJsonError(response, label).error, 'precondition_failed')
        if (status === 200) assert.ok(response.body.equals(small.bytes), label)
        if (status === 206) assert.ok(response.body.equals(small.bytes.subarray(0, 10)), label)
      }
    })
  })

  describe('requests the HTTP parser refuses', function () {
    it('answers each with a JSON 4xx and closes the connection', async function () {
      const hash = small.infoHash
      const cases: Array<{ name: string, text: string | Buffer, status: number }> = [
        { name: 'a 20 KB header', text: `GET /media/${hash} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431 },
        { name: '200 KB of headers', text: `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'b'.repeat(90)}\r\n`).join('')}\r\n`, status: 431 },
        { name: 'an impossible Content-Length', text: 'POST /api/poke HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\nabc', status: 400 },
        { name: 'two different Content-Lengths', text: 'POST /api/poke HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', status: 400 },
        { name: 'Content-Length with chunked (smuggling)', text: 'POST /api/poke HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400 },
        { name: 'a NUL in the path', text: `GET /media/${hash}\u0000 HTTP/1.1\r\nHost: x\r\n\r\n`, status: 400 },
        { name: 'a space in the path', text: `GET /media/${hash} x HTTP/1.1\r\nHost: x\r\n\r\n`, status: 400 },
        { name: 'a header without a colon', text: 'GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n', status: 400 },
        { name: 'a CR inside a header value', text: 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', status: 400 },
        { name: 'a TLS ClientHello', text: Buffer.from('160301020001000100030300000000000000000000', 'hex'), status: 400 },
        { name: 'garbage', text: '\u0001\u0002\u0003 garbage\r\n\r\n', status: 400 }
      ]
      for (const { name, text, status } of cases) {
        const answer = parseRawAnswer(await rawSocket(f.port, text))
        assert.equal(answer.status, status, name)
        assert.match(answer.headers, /\r\ncontent-type: application\/json/i, name)
        const body = JSON.parse(answer.body) as { error: unknown, message: unknown }
        assert.equal(typeof body.error, 'string', name)
        assert.equal(typeof body.message, 'string', name)
      }
    })
  })

  describe('POST /api/poke', function () {
    it('takes any body and any signature headers (replays too) with 202, and catches up at most once per 2 s', async function () {
      const deletionFetches = async (): Promise<number> => metric(await (await f.origin.api('/metrics', { admin: true })).text(), 'fedswarm_http_requests_total', { route: '/api/deletions' })
      const fetchesBefore = await deletionFetches()
      const started = Date.now()
      const bodies = ['', 'not json', '{"origin":"http://evil.example"}', '{"origin":"http://127.0.0.1:1"}', JSON.stringify({ origin: f.origin.url }), `${'['.repeat(5000)}${']'.repeat(5000)}`, 'x'.repeat(1_000_000)]
      const signatures: Array<Record<string, string>> = [
        {},
        { signature: 'sig1=:AAAA:', 'signature-input': 'sig1=("@method");created=0;keyid="x"' },
        { signature: `sig1=:${'A'.repeat(10_000)}:`, 'signature-input': 'sig1=();alg="ed25519"', 'content-digest': 'sha-256=:garbage:' },
        { signature: ':::,,,;;;', 'signature-input': '("', 'content-digest': 'md5=:x:, sha-512=::' },
        { authorization: 'Bearer x', 'content-type': 'application/json; charset=utf-16' }
      ]
      for (const body of bodies) {
        for (const headers of signatures) {
          const response = await send({ method: 'POST', path: '/api/poke', headers: { 'content-type': 'application/json', ...headers }, body })
          assert.equal(response.status, 202, `${body.slice(0, 40)} ${JSON.stringify(headers).slice(0, 80)}`)
          assert.deepEqual(JSON.parse(response.body.toString('utf8')), { ok: true })
        }
      }
      // The same request again and again, as a replay would send it.
      const replay: RawRequest = { method: 'POST', path: '/api/poke', headers: { 'content-type': 'application/json', signature: 'sig1=:AAAA:', 'signature-input': 'sig1=("@method");created=1;nonce="n"' }, body: JSON.stringify({ origin: f.origin.url }) }
      for (let i = 0; i < 50; i++) assert.equal((await send(replay)).status, 202)
      // Catch-ups run in the background: read the count once the last round that could have started has ended.
      const elapsed = Date.now() - started
      const fetches = await deletionFetches() - fetchesBefore
      assert.ok(fetches <= Math.ceil(elapsed / 2000) + 1, `${fetches} fetches of /api/deletions in ${elapsed} ms of pokes`)
    })
  })

  describe('the admin API (GET /api/status)', function () {
    it('answers 401 without a bearer token, 403 with a wrong one, 405 to other methods, and the status with the token', async function () {
      const token = (await readFile(join(f.seeder.dir.path, 'admin-token'), 'utf8')).trim()
      await runTable([
        { name: 'no token', req: { method: 'GET', path: '/api/status' }, status: 401, error: 'unauthorized' },
        { name: 'not a bearer', req: { method: 'GET', path: '/api/status', headers: { authorization: `Basic ${token}` } }, status: 401, error: 'unauthorized' },
        { name: 'wrong token', req: { method: 'GET', path: '/api/status', headers: { authorization: `Bearer ${token}x` } }, status: 403, error: 'forbidden' },
        { name: 'POST', req: { method: 'POST', path: '/api/status', headers: { authorization: `Bearer ${token}` } }, status: 405, error: 'method_not_allowed' }
      ])
      const response = await send({ method: 'GET', path: '/api/status', headers: { authorization: `Bearer ${token}` } })
      assert.equal(response.status, 200)
      const status = JSON.parse(response.body.toString('utf8')) as { items: { stored: number } }
      assert.equal(status.items.stored, f.held.length)
    })
  })

  describe('properties: random input never reaches a 5xx', function () {
    const junkPieces = ['%', '%2', '%2e', '%2E', '%2F', '%2f', '%5C', '\\', '..', '.', '/', 'a', 'f', '0', '9', '%00', '%C0%AF', '%E0%A4%A', '%FF', '.torrent', UNKNOWN_HASH, ';', '=', '~', '%20', '+', '@', ':', '?', '#']
    const segment = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map(pct),
      fc.string({ maxLength: 60 }).map(pct),
      fc.array(fc.constantFrom(...junkPieces), { maxLength: 12 }).map((pieces) => pieces.join('')),
      fc.stringMatching(/^[0-9a-fA-F]{38,42}$/)
    )
    const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS')

    it('random paths and methods on every route', async function () {
      const known = new Set(['/healthz', '/.well-known/fedswarm', '/metrics', '/api/poke', `/media/${small.infoHash}`])
      const resourceOf = (path: string): string => {
        const bare = path.split(/[?#]/)[0]!.replace(/\/+$/, '').toLowerCase()
        try { return decodeURIComponent(bare) } catch { return bare }
      }
      const prefixes = ['/media/', '/media/@/', '/api/', '/api/poke/', '/.well-known/', '/.well-known/fedswarm/', '/metrics/', '/healthz/', '/', '//']
      await fc.assert(fc.asyncProperty(fc.constantFrom(...prefixes), segment, method, async (prefix, seg, m) => {
        const path = prefix.includes('@') ? prefix.replace('@', small.infoHash) + seg : `${prefix}${seg}`
        const response = await send({ method: m, path, body: m === 'GET' || m === 'HEAD' ? undefined : seg })
        assertOrderly(response, `${m} ${path}`, m)
        // A success only ever names a real resource (routes match without case and with a trailing slash).
        if (response.status < 300) assert.ok(known.has(resourceOf(path)), `${m} ${path} answered ${response.status}`)
      }), { numRuns: 200 })
    })

    it('random Range headers on /media/:infoHash', async function () {
      const header = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 30 }).map((text) => `bytes=${text}`),
        fc.array(fc.oneof(fc.nat({ max: 400_000 }).map(String), fc.constantFrom('-', ',', ' ', '', '=', 'bytes', '99999999999999999999')), { maxLength: 10 }).map((parts) => `bytes=${parts.join('')}`),
        fc.array(fc.tuple(fc.option(fc.nat({ max: 320_000 })), fc.option(fc.nat({ max: 320_000 }))), { minLength: 1, maxLength: 20 })
          .map((ranges) => `bytes=${ranges.map(([a, b]) => `${a ?? ''}-${b ?? ''}`).join(',')}`)
      )
      await fc.assert(fc.asyncProperty(header, async (range) => {
        const response = await send({ path: `/media/${large.infoHash}`, headers: { range } })
        const label = `Range: ${range}`
        assert.ok([200, 206, 416].includes(response.status), `${label} → ${response.status}`)
        if (response.status === 416) {
          assertJsonError(response, label)
          assert.equal(response.headers['content-range'], `bytes */${large.bytes.length}`)
        } else if (response.status === 200) {
          assert.ok(response.body.equals(large.bytes), label)
        } else if (!String(response.headers['content-type']).startsWith('multipart/')) {
          const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(response.headers['content-range']))
          assert.ok(match !== null, label)
          assert.ok(response.body.equals(large.bytes.subarray(Number(match[1]), Number(match[2]) + 1)), label)
        } else {
          assert.equal(response.body.length, Number(response.headers['content-length']), label)
        }
      }), { numRuns: 150 })
    })

    it('random conditional headers with and without Range', async function () {
      const etag = `"${small.sha256}"`
      const validator = fc.oneof(fc.constantFrom(etag, `W/${etag}`, '*', '"nope"', `${etag}, "x"`, '', ',', 'W/', '"'), fc.string({ maxLength: 80 }))
      const date = fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()), fc.string({ maxLength: 40 }), fc.constantFrom('0', '-1', 'Thu, 01 Jan 1970 00:00:00 GMT'))
      const headers = fc.record({
        'if-none-match': validator, 'if-match': validator, 'if-modified-since': date, 'if-range': fc.oneof(validator, date), range: fc.constantFrom('bytes=0-9', 'bytes=-5', 'bytes=0-0,5-6', 'bytes=x')
      }, { requiredKeys: [] })
      await fc.assert(fc.asyncProperty(headers, fc.constantFrom('GET', 'HEAD'), async (h, m) => {
        const sent = Object.fromEntries(Object.entries(h).filter((entry): entry is [string, string] => entry[1] !== undefined))
        const response = await send({ method: m, path: `/media/${small.infoHash}`, headers: sent })
        const label = `${m} ${JSON.stringify(sent)}`
        assert.ok([200, 206, 304, 412, 416].includes(response.status), `${label} → ${response.status}`)
        assertOrderly(response, label, m)
        if (m === 'GET' && response.status === 200) assert.ok(response.body.equals(small.bytes), label)
        if (response.status === 304) assert.equal(response.body.length, 0, label)
      }), { numRuns: 150 })
    })

    it('random extra headers on every GET route', async function () {
      const reserved = /^(range|if-.*|content-length|transfer-encoding|host|connection|expect|upgrade|te|trailer|keep-alive|proxy-connection)$/
      const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/).filter((n) => !reserved.test(n))
      const value = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ maxLength: 2000 }), fc.constantFrom('', ' ', '\t', '%00', '../../etc/passwd', '()<>@,;:\\"/[]?={}'))
      const route = fc.constantFrom('/healthz', '/.well-known/fedswarm', '/metrics', `/media/${small.infoHash}`)
      await fc.assert(fc.asyncProperty(route, fc.dictionary(name, value, { maxKeys: 20 }), async (path, headers) => {
        const response = await send({ path, headers })
        assert.equal(response.status, 200, `${path} ${JSON.stringify(headers).slice(0, 200)} → ${response.status}`)
        if (path.startsWith('/media/')) assert.ok(response.body.equals(small.bytes))
      }), { numRuns: 100 })
    })

    it('random pokes: bodies, content types and signature headers', async function () {
      const text = fc.oneof(fc.string({ maxLength: 100 }), fc.json({ maxDepth: 3 }), fc.record({ origin: fc.string({ maxLength: 60 }) }).map((o) => JSON.stringify(o)))
      const body = fc.oneof(text, fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)))
      const sfValue = fc.oneof(fc.string({ maxLength: 120 }), fc.base64String({ maxLength: 120 }).map((b) => `sig1=:${b}:`), fc.constantFrom('sig1=("@method" "@target-uri");created=1;keyid="k";alg="ed25519";nonce="n"', 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:'))
      const headers = fc.record({ 'content-type': fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', '%%%'), signature: sfValue, 'signature-input': sfValue, 'content-digest': sfValue }, { requiredKeys: [] })
      await fc.assert(fc.asyncProperty(body, headers, async (b, h) => {
        const sent = Object.fromEntries(Object.entries(h).filter((entry): entry is [string, string] => entry[1] !== undefined))
        const response = await send({ method: 'POST', path: '/api/poke', headers: sent, body: b })
        assert.equal(response.status, 202, JSON.stringify(sent).slice(0, 200))
      }), { numRuns: 100 })
    })
  })

  describe('afterwards', function () {
    it('changed nothing in the store: same items, same files, same bytes', async function () {
      assert.deepEqual(await storeSnapshot(f.seeder, f.origin.url), initial)
    })

    it('still serves every item byte-exact and still refuses the deleted one', async function () {
      for (const item of f.held) {
        const response = await send({ path: `/media/${item.infoHash}` })
        assert.equal(response.status, 200, item.infoHash)
        assert.ok(response.body.equals(item.bytes), item.infoHash)
      }
      assert.equal((await send({ path: `/media/${f.deleted}` })).status, 410)
      const health = await send({ path: '/healthz' })
      assert.equal(health.status, 200)
      assert.deepEqual(JSON.parse(health.body.toString('utf8')), { ok: true })
    })

    it('logged no error: every refusal was expected', function () {
      assert.deepEqual(f.errorLogs, [])
    })
  })
})
