import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync } from 'node:crypto'
import {
  activityPubLinks, buildManifest, digestMultibase, generateKeyPair, manifestSchema, MAX_PIECE_LENGTH, originUrls, pieceLengthFor,
  publicKeyFromPem, publicKeyToPem, sha256Base64url
} from '@fedswarm/protocol'
import { canonicalJson } from '../src/canonical-json.ts'
import { MIN_PIECE_LENGTH } from '../src/piece-length.ts'
import { signObject, verifyObject } from '../src/signed-object.ts'

describe('protocol', function () {
  const urls = originUrls('https://origin.example/')
  const digest = createHash('sha256').update('hello').digest()
  const item = {
    id: '01JD3ZZZZZZZZZZZZZZZZZZZZZ', mediaType: 'image/png', size: 5, sha256: sha256Base64url(digest),
    digestMultibase: digestMultibase(digest), infoHash: 'a'.repeat(40), pieceLength: 16384, createdAt: new Date('2026-11-21T10:00:00Z')
  }

  it('builds every URL from the public URL', function () {
    assert.equal(urls.httpAnnounce, 'https://origin.example/announce')
    assert.equal(urls.wsAnnounce, 'wss://origin.example/announce')
    assert.equal(urls.media('x'), 'https://origin.example/media/x')
    assert.equal(urls.torrent('x'), 'https://origin.example/media/x.torrent')
    assert.equal(urls.manifest('x'), 'https://origin.example/api/media/x')
  })

  it('builds a manifest that its schema accepts, with a magnet naming trackers and web seed', function () {
    const manifest = manifestSchema.parse(buildManifest(item, urls))
    assert.equal(manifest.sha256, 'LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ')
    assert.ok(manifest.digestMultibase.startsWith('zQm'))
    const magnet = new URL(manifest.magnet)
    const params = new URLSearchParams(magnet.search)
    assert.equal(params.get('xt'), `urn:btih:${item.infoHash}`)
    assert.deepEqual(params.getAll('tr'), manifest.trackers)
    assert.deepEqual(params.getAll('ws'), [manifest.url])
    assert.throws(() => manifestSchema.parse({ ...manifest, infoHash: 'xyz' }))
  })

  it('gives ActivityPub links in the shapes PeerTube federates', function () {
    const links = activityPubLinks(buildManifest(item, urls), urls.manifest(item.id))
    assert.deepEqual(links.map((link) => link.mediaType), [
      'image/png', 'application/x-bittorrent', 'application/x-bittorrent;x-scheme-handler/magnet', 'application/json', 'application/json'
    ])
    assert.deepEqual(links[3]?.rel, ['tracker-websocket'])
    assert.equal(links[4]?.href, 'https://origin.example/api/media/01JD3ZZZZZZZZZZZZZZZZZZZZZ')
  })

  it('chooses power-of-two piece lengths within bounds', function () {
    assert.equal(pieceLengthFor(1), MIN_PIECE_LENGTH)
    assert.equal(pieceLengthFor(8 * 1024 * 1024), 65536)
    assert.equal(pieceLengthFor(100 * 1024 * 1024), 1024 * 1024)
    assert.equal(pieceLengthFor(100 * 1024 ** 3), MAX_PIECE_LENGTH)
    for (const size of [1, 1000, 1e6, 1e8, 1e10]) {
      const length = pieceLengthFor(size)
      assert.equal(length & (length - 1), 0)
      assert.ok(Math.ceil(size / length) <= 1024 || length === MAX_PIECE_LENGTH)
    }
  })

  it('canonicalises JSON per RFC 8785', function () {
    assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: 0.5 } }), '{"a":[true,null,"x"],"b":1,"c":{"y":0.5,"z":1e+21}}')
  })

  it('signs and verifies objects; any change or another key fails', function () {
    const { privateKey, publicKey } = generateKeyPair()
    const other = generateKeyPair()
    const signed = signObject({ type: 'fedswarm.deletion/1', seq: 1, id: 'x' }, privateKey)
    const pem = publicKeyToPem(publicKey)
    assert.equal(verifyObject(signed, publicKeyFromPem(pem)), true)
    assert.equal(verifyObject({ ...signed, seq: 2 }, publicKey), false)
    assert.equal(verifyObject({ ...signed, extra: 1 }, publicKey), false)
    assert.equal(verifyObject(signed, other.publicKey), false)
    assert.equal(verifyObject({ ...signed, signature: 'garbage' }, publicKey), false)
    assert.equal(verifyObject({ seq: 1 }, publicKey), false)
    assert.throws(() => publicKeyFromPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()))
  })
})
