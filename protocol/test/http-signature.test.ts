import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  buildSeederDocument, generateKeyPair, seederDocumentSchema, seederPublicUrlSchema, seederUrls, SignatureError, signRequest, verifyRequest
} from '@fedswarm/protocol'
import { contentDigest, type SignatureErrorCode } from '../src/http-signature.ts'
import { originEventSchema } from '../src/origin-event.ts'

describe('HTTP message signatures (RFC 9421, Ed25519)', function () {
  const keyId = 'https://seeder.example/.well-known/fedswarm#key'
  const { privateKey, publicKey } = generateKeyPair()
  const other = generateKeyPair()
  const url = 'https://origin.example/api/instances'
  const body = JSON.stringify({ publicUrl: 'https://seeder.example' })
  const now = new Date('2026-11-21T10:00:00Z')
  const resolve = async (id: string): Promise<Uint8Array | undefined> => id === keyId ? publicKey : undefined

  const signed = (init: { method?: string, body?: string, headers?: Record<string, string> } = {}, at = now): Promise<Record<string, string>> =>
    signRequest({ method: init.method ?? 'POST', url, headers: init.headers ?? { 'content-type': 'application/json' }, body: 'body' in init ? init.body : body }, { keyId, privateKey }, at)

  async function rejects (promise: Promise<unknown>, code: SignatureErrorCode): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof SignatureError, String(err))
      assert.equal(err.code, code, err.message)
      return true
    })
  }

  it('signs with label sig1 over the required components, and verifies', async function () {
    const headers = await signed()
    assert.equal(headers['content-digest'], contentDigest(body))
    assert.match(headers['content-digest']!, /^sha-256=:[A-Za-z0-9+/]+=*:$/)
    assert.match(headers['signature-input']!, /^sig1=\("@method" "@target-uri" "content-digest" "content-type"\);created=\d+;keyid="[^"]+";alg="ed25519";nonce="[A-Za-z0-9_-]{22}"$/)
    assert.match(headers.signature!, /^sig1=:[A-Za-z0-9+/]+=*:$/)
    assert.equal(headers['content-type'], 'application/json')
    const verified = await verifyRequest({ method: 'POST', url, headers, body: Buffer.from(body) }, resolve, { now })
    assert.equal(verified.keyId, keyId)
    assert.equal(verified.created.getTime(), now.getTime())
    assert.match(verified.nonce, /^[A-Za-z0-9_-]{22}$/)
    const again = await signed()
    assert.notEqual(again.signature, headers.signature, 'a fresh nonce each time')
  })

  it('signs a request without a body over @method and @target-uri only', async function () {
    const headers = await signRequest({ method: 'GET', url, headers: {} }, { keyId, privateKey }, now)
    assert.equal(headers['content-digest'], undefined)
    assert.match(headers['signature-input']!, /^sig1=\("@method" "@target-uri"\);/)
    await verifyRequest({ method: 'GET', url, headers }, resolve, { now })
  })

  it('refuses altered method, URL, body, digest and content type', async function () {
    const headers = await signed()
    const ok = { method: 'POST', url, headers, body: Buffer.from(body) }
    await rejects(verifyRequest({ ...ok, method: 'PUT' }, resolve, { now }), 'signature_invalid')
    await rejects(verifyRequest({ ...ok, url: 'https://other.example/api/instances' }, resolve, { now }), 'signature_invalid')
    await rejects(verifyRequest({ ...ok, body: Buffer.from(body.replace('seeder', 'evil')) }, resolve, { now }), 'digest_mismatch')
    const evil = JSON.stringify({ publicUrl: 'https://evil.example' })
    await rejects(verifyRequest({ ...ok, headers: { ...headers, 'content-digest': contentDigest(evil) }, body: Buffer.from(evil) }, resolve, { now }), 'signature_invalid')
    await rejects(verifyRequest({ ...ok, headers: { ...headers, 'content-type': 'text/plain' } }, resolve, { now }), 'signature_invalid')
    const { 'content-digest': _, ...withoutDigest } = headers
    await rejects(verifyRequest({ ...ok, headers: withoutDigest }, resolve, { now }), 'digest_mismatch')
  })

  it('refuses a signature made with another key, and an unknown keyid', async function () {
    const headers = await signRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body }, { keyId, privateKey: other.privateKey }, now)
    await rejects(verifyRequest({ method: 'POST', url, headers, body: Buffer.from(body) }, resolve, { now }), 'signature_invalid')
    const unknown = await signRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body }, { keyId: 'https://x.example/.well-known/fedswarm#key', privateKey }, now)
    await rejects(verifyRequest({ method: 'POST', url, headers: unknown, body: Buffer.from(body) }, resolve, { now }), 'unknown_key')
  })

  it('refuses a created time outside ±maxAge, either way', async function () {
    const old = await signed({}, new Date(now.getTime() - 301_000))
    await rejects(verifyRequest({ method: 'POST', url, headers: old, body: Buffer.from(body) }, resolve, { now }), 'signature_expired')
    const future = await signed({}, new Date(now.getTime() + 301_000))
    await rejects(verifyRequest({ method: 'POST', url, headers: future, body: Buffer.from(body) }, resolve, { now }), 'signature_expired')
    const recent = await signed({}, new Date(now.getTime() - 60_000))
    await verifyRequest({ method: 'POST', url, headers: recent, body: Buffer.from(body) }, resolve, { now })
    await rejects(verifyRequest({ method: 'POST', url, headers: recent, body: Buffer.from(body) }, resolve, { now, maxAgeSeconds: 30 }), 'signature_expired')
  })

  it('refuses missing or malformed signature headers', async function () {
    const headers = await signed()
    const { signature: _s, ...noSignature } = headers
    const { 'signature-input': _i, ...noInput } = headers
    const request = { method: 'POST', url, body: Buffer.from(body) }
    await rejects(verifyRequest({ ...request, headers: noSignature }, resolve, { now }), 'signature_missing')
    await rejects(verifyRequest({ ...request, headers: noInput }, resolve, { now }), 'signature_missing')
    await rejects(verifyRequest({ ...request, headers: { ...headers, signature: 'sig1=:AAAA:' } }, resolve, { now }), 'signature_invalid')
    await rejects(verifyRequest({ ...request, headers: { ...headers, signature: 'garbage(' } }, resolve, { now }), 'signature_invalid')
    await rejects(verifyRequest({ ...request, headers: { ...headers, 'signature-input': headers['signature-input']!.replace('"ed25519"', '"rsa-v1_5-sha256"') } }, resolve, { now }), 'signature_invalid')
    await rejects(verifyRequest({ ...request, headers: { ...headers, 'signature-input': headers['signature-input']!.replace(/;nonce="[^"]+"/, '') } }, resolve, { now }), 'signature_invalid')
    await rejects(verifyRequest({ ...request, headers: { ...headers, 'signature-input': headers['signature-input']!.replace(' "content-type"', '') } }, resolve, { now }), 'signature_invalid')
    const twice = { ...headers, signature: `${headers.signature!}, sig2=${headers.signature!.slice(5)}`, 'signature-input': `${headers['signature-input']!}, sig2=${headers['signature-input']!.slice(5)}` }
    await rejects(verifyRequest({ ...request, headers: twice }, resolve, { now }), 'signature_invalid')
  })

  it('lets errors of the key resolver through unchanged', async function () {
    const headers = await signed()
    const failure = new Error('database down')
    await assert.rejects(verifyRequest({ method: 'POST', url, headers, body: Buffer.from(body) }, async () => { throw failure }, { now }), (err) => err === failure)
  })

  it('never crashes on random header values and bodies: a SignatureError or a success', async function () {
    const genuine = await signed()
    const header = fc.oneof(fc.string(), fc.constantFrom(...Object.values(genuine)), fc.string().map((s) => `sig1=${s}`), fc.string().map((s) => `sig1=("@method");${s}`))
    await fc.assert(fc.asyncProperty(
      fc.record({
        signature: fc.option(header, { nil: undefined }),
        'signature-input': fc.option(header, { nil: undefined }),
        'content-digest': fc.option(header, { nil: undefined }),
        'content-type': fc.option(fc.string(), { nil: undefined })
      }),
      fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
      async (headers, randomBody) => {
        try {
          await verifyRequest({ method: 'POST', url, headers, body: randomBody }, resolve, { now })
        } catch (err) {
          if (!(err instanceof SignatureError)) throw err
        }
      }), { numRuns: 300 })
  })
})

describe('seeder document, seeder URLs and origin events', function () {
  it('builds a seeder document its schema accepts, bound to the domain', function () {
    const document = seederDocumentSchema.parse(buildSeederDocument('http://127.0.0.1:8090/', 'PEM', '0.1.0'))
    assert.deepEqual(document, {
      type: 'fedswarm.seeder/1',
      domain: '127.0.0.1:8090',
      publicKey: { id: 'http://127.0.0.1:8090/.well-known/fedswarm#key', type: 'Ed25519', publicKeyPem: 'PEM' },
      mirrorBase: 'http://127.0.0.1:8090/media/',
      software: { name: 'fedswarm', version: '0.1.0' }
    })
    assert.equal(seederUrls('https://Seeder.Example:443').domain, 'seeder.example')
  })

  it('takes only an http(s) origin as a seeder public URL', function () {
    assert.equal(seederPublicUrlSchema.parse('https://seeder.example/'), 'https://seeder.example')
    for (const bad of ['ftp://x.example', 'https://x.example/path', 'https://x.example/?q=1', 'https://u:p@x.example', 'not a url']) {
      assert.equal(seederPublicUrlSchema.safeParse(bad).success, false, bad)
    }
  })

  it('parses hot events and refuses unknown types', function () {
    const manifest = {
      type: 'fedswarm.manifest/1', id: '01JD3ZZZZZZZZZZZZZZZZZZZZZ', mediaType: 'image/png', size: 5, sha256: 'LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ',
      digestMultibase: 'zQm', infoHash: 'a'.repeat(40), pieceLength: 16384, url: 'https://o.example/media/x', torrentUrl: 'https://o.example/media/x.torrent',
      magnet: 'magnet:?xt=urn:btih:x', trackers: [], webSeeds: [], mirrors: [], createdAt: '2026-11-21T10:00:00.000Z'
    }
    assert.equal(originEventSchema.parse({ seq: 1, type: 'hot', manifest, at: '2026-11-21T10:00:00.000Z' }).type, 'hot')
    assert.equal(originEventSchema.safeParse({ seq: 1, type: 'other', manifest, at: '2026-11-21T10:00:00.000Z' }).success, false)
  })
})
