import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import bencode from 'bencode'
import createTorrent from 'create-torrent'
import { parseTorrentFile } from '@fedswarm/peer'
import { tempDir, type TempDir } from '@fedswarm/testkit'
import { buildTorrent, type TorrentSpec } from '../src/media/torrent-builder.ts'

const ANNOUNCE = ['http://origin.test/announce', 'ws://origin.test/announce']

/** create-torrent's info dictionary for the same bytes and options: the reference the builder must match. */
function referenceInfo (bytes: Buffer, spec: TorrentSpec): Promise<unknown> {
  return new Promise((resolve, reject) => {
    createTorrent(Buffer.from(bytes), {
      name: spec.name, pieceLength: spec.pieceLength, private: true,
      announceList: spec.announce.length === 0 ? [] : [spec.announce], urlList: spec.webSeeds, createdBy: 'fedswarm'
    }, (err, torrent) => err === null ? resolve((bencode.decode(torrent) as { info: unknown }).info) : reject(err))
  })
}

describe('torrent builder', function () {
  let dir: TempDir
  before(async function () { dir = await tempDir() })
  after(async function () { await dir.remove() })

  // Sizes: one short piece; pieces not filling the last; more than one read of the file (1 MiB each);
  // pieces larger than a read.
  const cases: Array<{ size: number, pieceLength: number }> = [
    { size: 1000, pieceLength: 16 * 1024 },
    { size: 5 * 16 * 1024 + 7, pieceLength: 16 * 1024 },
    { size: 3 * 1024 * 1024 + 12_345, pieceLength: 64 * 1024 },
    { size: 5 * 1024 * 1024 + 1, pieceLength: 2 * 1024 * 1024 }
  ]
  for (const { size, pieceLength } of cases) {
    it(`hashes ${size} bytes in pieces of ${pieceLength} as create-torrent does, from a file and from memory`, async function () {
      const bytes = randomBytes(size)
      const path = join(dir.path, `item-${size}`)
      await writeFile(path, bytes)
      const spec = { name: 'item', pieceLength, announce: ANNOUNCE, webSeeds: ['http://origin.test/media/item'] }
      const reference = await referenceInfo(bytes, spec)
      for (const input of [path, bytes]) {
        const built = await buildTorrent(input, spec)
        const decoded = bencode.decode(built.torrent) as { info: unknown }
        assert.deepEqual(decoded.info, reference)
        const parsed = await parseTorrentFile(built.torrent)
        assert.equal(parsed.infoHash, built.infoHash)
        assert.equal(parsed.length, size)
        assert.equal(parsed.private, true)
        assert.deepEqual(parsed.announce, ANNOUNCE)
        assert.deepEqual(parsed.urlList, spec.webSeeds)
      }
    })
  }

  it('names no tracker for a torrent with none (a canary, fetched from its web seed alone)', async function () {
    const built = await buildTorrent(randomBytes(100), { name: 'canary', pieceLength: 16 * 1024, announce: [], webSeeds: ['http://origin.test/media/canary'] })
    const decoded = bencode.decode(built.torrent) as Record<string, unknown>
    assert.equal('announce' in decoded, false)
    assert.equal('announce-list' in decoded, false)
    assert.deepEqual((await parseTorrentFile(built.torrent)).announce, [])
  })

  it('fails, rather than describing other bytes, when the file is missing', async function () {
    await assert.rejects(buildTorrent(join(dir.path, 'absent'), { name: 'x', pieceLength: 16 * 1024, announce: [], webSeeds: [] }), { code: 'ENOENT' })
  })
})
