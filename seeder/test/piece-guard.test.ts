// A webtorrent client set up as the seeder's, fetching one torrent over real
// sockets from an honest seed (upload-capped) and from a hostile peer that
// answers every request at once with random bytes.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import createTorrent from 'create-torrent'
import { pino } from 'pino'
import WebTorrent, { type Torrent } from 'webtorrent'
import { eventually, startHostilePeer, tempDir, type HostilePeer, type TempDir } from '@fedswarm/testkit'
import { guardPieces } from '../src/piece-guard.ts'

const PIECE_LENGTH = 32 * 1024
const SIZE = 1024 * 1024
const PIECES = SIZE / PIECE_LENGTH

function newClient (uploadLimit = -1): WebTorrent {
  return new WebTorrent({ dht: false, lsd: false, utp: false, utPex: false, natUpnp: false, natPmp: false, webSeeds: false, tracker: false, torrentPort: 0, uploadLimit })
}

function listening (client: WebTorrent): Promise<number> {
  return client.listening ? Promise.resolve(client.torrentPort) : new Promise((resolve) => client.once('listening', () => resolve(client.torrentPort)))
}

function destroy (client: WebTorrent | undefined): Promise<void> {
  return new Promise((resolve) => client === undefined || client.destroyed ? resolve() : client.destroy(() => resolve()))
}

describe('seeder piece guard: a peer that sends corrupted pieces', function () {
  this.timeout(30_000)
  let dir: TempDir
  let bytes: Buffer
  let torrentFile: Uint8Array
  let infoHash: string
  let honest: WebTorrent | undefined
  let fetcher: WebTorrent | undefined
  let hostile: HostilePeer | undefined

  beforeEach(async function () {
    dir = await tempDir('fedswarm-piece-guard-')
    bytes = randomBytes(SIZE)
    torrentFile = await new Promise<Uint8Array>((resolve, reject) => {
      createTorrent(bytes, { name: 'item', private: true, pieceLength: PIECE_LENGTH }, (err, torrent) => err === null ? resolve(torrent) : reject(err))
    })
    await mkdir(join(dir.path, 'honest'))
    await writeFile(join(dir.path, 'honest', 'item'), bytes)
    // Capped, so the hostile peer, which answers at once, gets asked for most pieces.
    honest = newClient(256 * 1024)
    const seeding = honest.add(torrentFile, { path: join(dir.path, 'honest') })
    await new Promise<void>((resolve) => seeding.done ? resolve() : seeding.once('done', () => resolve()))
    infoHash = seeding.infoHash
    hostile = await startHostilePeer(infoHash, PIECES)
    fetcher = newClient()
  })
  afterEach(async function () {
    await destroy(fetcher)
    await destroy(honest)
    await hostile?.close()
    await dir.remove()
  })

  async function fetchFromBoth (guard: boolean): Promise<{ torrent: Torrent, dropped: string[] }> {
    const dropped: string[] = []
    const torrent = fetcher!.add(torrentFile, { path: join(dir.path, 'fetched'), strategy: 'rarest' })
    if (guard) guardPieces(torrent, { log: pino({ level: 'silent' }), onDrop: (source) => dropped.push(source) })
    const peer = torrent as Torrent & { addPeer (address: string): boolean }
    await new Promise<void>((resolve) => torrent.once('infoHash', () => resolve()))
    peer.addPeer(`127.0.0.1:${hostile!.port}`)
    peer.addPeer(`127.0.0.1:${await listening(honest!)}`)
    return { torrent, dropped }
  }

  it('without the guard, webtorrent keeps asking the hostile peer: more garbage than the item, and no end', async function () {
    const { torrent } = await fetchFromBoth(false)
    await eventually('four times the item in garbage', 20_000, async () => hostile!.badBlocks * 16 * 1024 >= 4 * SIZE ? true : undefined)
    assert.equal(torrent.done, false)
    assert.equal(hostile!.closedByRemote, 0, 'the hostile peer was never dropped')
  })

  it('with the guard, the hostile peer is dropped at its first bad piece and the fetch ends byte-exact', async function () {
    const { torrent, dropped } = await fetchFromBoth(true)
    await new Promise<void>((resolve, reject) => {
      torrent.once('done', () => resolve())
      torrent.once('error', reject)
    })
    assert.ok((await readFile(join(dir.path, 'fetched', 'item'))).equals(bytes))
    // Only the liar is dropped; the honest seed, which may have shared a failed piece with it, is not.
    assert.deepEqual(dropped, [`127.0.0.1:${hostile!.port}`])
    // webtorrent dials it again later; each new connection is closed at its handshake.
    assert.ok(hostile!.closedByRemote >= 1)
    // What was in flight when its first bad piece was checked, no more.
    assert.ok(hostile!.badPieces.size < PIECES / 2, `the hostile peer was asked for ${hostile!.badPieces.size} of ${PIECES} pieces`)
  })
})
