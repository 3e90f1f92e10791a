import assert from 'node:assert/strict'
import { parseBinaryQuery } from '../src/binary-query.ts'
import { parseAnnounce } from '../src/parse-announce.ts'
import { parseScrape } from '../src/parse-scrape.ts'
import { validateWebSocketMessage } from '../src/parse-ws-message.ts'
import { binary, hexId, percentEncode } from './helpers.ts'

describe('parseAnnounce', () => {
  it('decodes binary fields and numbers', () => {
    const infoHash = hexId(1)
    const peerId = hexId(2, '2d')
    const query = parseBinaryQuery(`info_hash=${percentEncode(infoHash)}&peer_id=${percentEncode(peerId)}&port=51413&uploaded=0&downloaded=10&left=99&numwant=80&compact=1&event=started&key=x`)
    assert.deepEqual(parseAnnounce(query), {
      infoHash, peerId, port: 51413, uploaded: 0, downloaded: 10, left: 99, numwant: 80, compact: 1, event: 'started'
    })
  })

  it('leaves optional fields null and takes an empty event as none', () => {
    const query = parseBinaryQuery(`info_hash=${percentEncode(hexId(1))}&peer_id=${percentEncode(hexId(2))}&port=1&event=`)
    const parsed = parseAnnounce(query)
    assert.equal(parsed.left, null)
    assert.equal(parsed.event, null)
    assert.equal(parsed.compact, null)
  })
})

describe('parseScrape', () => {
  it('deduplicates hashes and refuses more than 50', () => {
    const one = percentEncode(hexId(1))
    assert.deepEqual(parseScrape(parseBinaryQuery(`info_hash=${one}&info_hash=${one}`)), [hexId(1)])
    const many = Array.from({ length: 51 }, (_, i) => `info_hash=${percentEncode(hexId(i))}`).join('&')
    assert.throws(() => parseScrape(parseBinaryQuery(many)), { code: 'malformed_scrape' })
  })
})

describe('validateWebSocketMessage', () => {
  const announce = { action: 'announce', info_hash: binary(hexId(1)), peer_id: binary(hexId(2)) }

  it('hands on a valid announce, answer or scrape as text', () => {
    const text = JSON.stringify({ ...announce, offers: [{ offer: { sdp: 'x' }, offer_id: binary(hexId(3)) }] })
    assert.equal(validateWebSocketMessage(Buffer.from(text)), text)
    validateWebSocketMessage(JSON.stringify({ ...announce, answer: { sdp: 'y' }, to_peer_id: binary(hexId(4)), offer_id: binary(hexId(3)) }))
    validateWebSocketMessage(JSON.stringify({ action: 'scrape', info_hash: binary(hexId(1)) }))
  })

  it('echoes the action and info hash of a refused announce', () => {
    assert.throws(() => validateWebSocketMessage(JSON.stringify({ ...announce, offers: [{}] })), {
      name: 'MalformedMessageError', action: 'announce', infoHash: binary(hexId(1))
    })
    assert.throws(() => validateWebSocketMessage(JSON.stringify({ ...announce, answer: {} })), { action: 'announce' })
    assert.throws(() => validateWebSocketMessage(JSON.stringify({ action: 'scrape', info_hash: [] })), { action: 'scrape' })
  })
})

describe('parseBinaryQuery', () => {
  it('reads a query as querystring with unescape does', async () => {
    const { default: querystring } = await import('node:querystring')
    const samples = [
      'info_hash=%12%34%56&peer_id=-TR3000-abcdefghijkl&port=6881&event=started',
      'a=1&a=2&a=3&b=&c&&d=x%20y+z&e=%u0101&f=%zz&%69nfo=1&=v&g==h',
      '',
      '&',
      'plus+key=plus+value%2B'
    ]
    for (const search of samples) {
      const expected = querystring.parse(search, '&', '=', { decodeURIComponent: unescape })
      assert.deepEqual({ ...parseBinaryQuery(search) }, { ...expected }, search)
    }
  })
})
