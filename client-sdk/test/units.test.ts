import assert from 'node:assert/strict'
import { NO_SHARE_PEER_ID_PREFIX as TRACKER_NO_SHARE } from '@fedswarm/tracker'
import { ItemStore } from '../src/item-store.ts'
import { httpSources } from '../src/sources.ts'
import { makePeerId, NO_SHARE_PEER_ID_PREFIX } from '../src/torrent-client.ts'
import { manifestFor } from './fixtures.ts'

describe('client SDK: pieces', () => {
  it('the item store writes pieces into the item and reports the verified prefix in order', async () => {
    const bytes = new Uint8Array(10)
    const prefixes: Array<[number, number]> = []
    const store = new ItemStore(4, { item: { bytes, onPrefix: (start, end) => prefixes.push([start, end]) }, length: 10 })
    const put = (index: number, value: number[]): Promise<Error | null> => new Promise((resolve) => store.put(index, Uint8Array.from(value), resolve))
    assert.equal(await put(1, [5, 6, 7, 8]), null)
    assert.deepEqual(prefixes, [])
    assert.equal(await put(2, [9, 10]), null)
    assert.equal(await put(0, [1, 2, 3, 4]), null)
    assert.deepEqual(prefixes, [[0, 10]])
    assert.deepEqual([...bytes], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert.match(String(await put(0, [1, 2])), /wrong length/)
    const piece = await new Promise<Uint8Array | undefined>((resolve) => store.get(1, { offset: 1, length: 2 }, (_err, buf) => resolve(buf)))
    assert.deepEqual([...piece!], [6, 7])
    assert.throws(() => new ItemStore(4, { item: { bytes, onPrefix () {} }, length: 11 }), /11 bytes/)
  })

  it('HTTP sources: mirrors first, then the origin, none twice', () => {
    const manifest = manifestFor(new Uint8Array(1), { mirrors: ['http://m1.test/x', 'http://m2.test/x'] })
    const sources = httpSources(manifest, () => 0)
    assert.deepEqual(sources.map((s) => s.kind), ['mirror', 'mirror', 'origin'])
    assert.deepEqual(new Set(sources.map((s) => s.url)).size, 3)
  })

  it('a client that does not share uses the peer id prefix the tracker never hands out', () => {
    assert.ok(NO_SHARE_PEER_ID_PREFIX.startsWith(TRACKER_NO_SHARE))
    const id = makePeerId(false)
    assert.match(id, /^[0-9a-f]{40}$/)
    assert.ok(Buffer.from(id, 'hex').toString('latin1').startsWith(TRACKER_NO_SHARE))
    assert.ok(!Buffer.from(makePeerId(true), 'hex').toString('latin1').startsWith(TRACKER_NO_SHARE))
  })
})
