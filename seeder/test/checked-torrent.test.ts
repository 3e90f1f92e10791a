import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import createTorrent from 'create-torrent'
import { parseTorrentFile } from '@fedswarm/peer'
import { buildManifest, digestMultibase, originUrls, sha256Base64url, type Manifest } from '@fedswarm/protocol'
import { checkedTorrent } from '../src/origin-client.ts'

const BYTES = Buffer.alloc(40_000, 7)

function torrentOf (bytes: Buffer, isPrivate: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    createTorrent(Buffer.from(bytes), { name: 'item', private: isPrivate, pieceLength: 16 * 1024 }, (err, torrent) => err === null ? resolve(Buffer.from(torrent)) : reject(err))
  })
}

async function manifestOf (torrent: Buffer, size = BYTES.length): Promise<Manifest> {
  const sha256 = createHash('sha256').update(BYTES).digest()
  const { infoHash } = await parseTorrentFile(torrent)
  return buildManifest({ id: 'item', sha256: sha256Base64url(sha256), digestMultibase: digestMultibase(sha256), infoHash, mediaType: 'image/png', size, pieceLength: 16 * 1024, createdAt: new Date() }, originUrls('http://origin.test'))
}

// What a seeder checks of a torrent, whether a hot event carried it or it was fetched from torrentUrl.
describe('checked torrent', function () {
  it('takes the torrent of the manifest', async function () {
    const torrent = await torrentOf(BYTES, true)
    assert.equal(await checkedTorrent(await manifestOf(torrent), torrent), torrent)
  })

  it('refuses one of other bytes, a public one, and one of another size than the manifest says', async function () {
    const torrent = await torrentOf(BYTES, true)
    const other = await torrentOf(Buffer.alloc(40_000, 8), true)
    await assert.rejects(checkedTorrent(await manifestOf(torrent), other), /info hash/)
    const publicTorrent = await torrentOf(BYTES, false)
    await assert.rejects(checkedTorrent(await manifestOf(publicTorrent), publicTorrent), /not private/)
    await assert.rejects(checkedTorrent(await manifestOf(torrent, BYTES.length + 1), torrent), /length/)
  })
})
