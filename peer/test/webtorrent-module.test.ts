import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import createTorrent from 'create-torrent'
import { tempDir } from '@fedswarm/testkit'
import type { Torrent } from 'webtorrent'
import { loadWebTorrent, WEBTORRENT_BUNDLE } from '../src/webtorrent-module.ts'

const SERVER_SETTINGS = { dht: false, lsd: false, utp: false, utPex: false, natUpnp: false, natPmp: false, webSeeds: false, tracker: false, torrentPort: 0 } as const

const makeTorrent = (bytes: Uint8Array): Promise<Uint8Array> => new Promise((resolve, reject) => {
  createTorrent(bytes, { name: 'item', private: true, pieceLength: 16 * 1024 }, (err, torrent) => err === null ? resolve(torrent) : reject(err))
})

/** One bundled client seeds `bytes`, another fetches them from it over loopback TCP: the file it wrote. */
async function transfer (bytes: Uint8Array): Promise<Buffer> {
  const WebTorrent = await loadWebTorrent()
  const dir = await tempDir('fedswarm-webtorrent-bundle-')
  const seeding = new WebTorrent(SERVER_SETTINGS)
  const fetching = new WebTorrent(SERVER_SETTINGS)
  try {
    const torrentFile = await makeTorrent(bytes)
    await mkdir(join(dir.path, 'a'))
    await writeFile(join(dir.path, 'a', 'item'), bytes)
    const seeded = seeding.add(torrentFile, { path: join(dir.path, 'a') })
    await new Promise((resolve) => seeded.once('ready', resolve))
    const fetched = fetching.add(torrentFile, { path: join(dir.path, 'b') })
    await new Promise((resolve) => fetched.once('ready', resolve))
    fetched.addPeer(`127.0.0.1:${seeding.torrentPort}`)
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no transfer within 10 s')), 10_000)
      fetched.once('done', () => { clearTimeout(timer); resolve(undefined) })
    })
    return await readFile(join(dir.path, 'b', 'item'))
  } finally {
    await Promise.all([seeding, fetching].map((client) => new Promise<void>((resolve) => client.destroy(() => resolve()))))
    await dir.remove()
  }
}

describe('webtorrent for server peers', function () {
  it('is loaded from the bundle npm install wrote, not from the package', async function () {
    assert.ok(existsSync(fileURLToPath(WEBTORRENT_BUNDLE)), `no bundle at ${WEBTORRENT_BUNDLE.pathname}: npm install runs peer/scripts/bundle-webtorrent.ts`)
    const { default: fromPackage } = await import('webtorrent')
    const loaded = await loadWebTorrent()
    assert.notEqual(loaded, fromPackage)
    assert.equal(loaded.name, fromPackage.name)
  })

  it('leaves out what our settings turn off, and says so if one is ever turned on', async function () {
    const WebTorrent = await loadWebTorrent()
    // UPnP is the first of them the constructor reaches, before it opens any port.
    assert.throws(() => new WebTorrent({ ...SERVER_SETTINGS, natUpnp: true }), /not in the fedswarm webtorrent bundle/)
  })

  it('schedules a torrent\'s requests once for all the messages of one turn, not once for each', async function () {
    const WebTorrent = await loadWebTorrent()
    const dir = await tempDir('fedswarm-webtorrent-bundle-')
    const client = new WebTorrent(SERVER_SETTINGS)
    try {
      const torrentFile = await makeTorrent(randomBytes(64 * 1024))
      const torrent = client.add(torrentFile, { path: dir.path }) as Torrent & { _update (): void, _updateWireWrapper (): void }
      let runs = 0
      torrent._updateWireWrapper = () => { runs++ }
      // As three `have` messages parsed from one read would.
      torrent._update()
      torrent._update()
      torrent._update()
      assert.equal(runs, 0, 'deferred to the end of the turn')
      await Promise.resolve()
      assert.equal(runs, 1)
      torrent._update()
      await Promise.resolve()
      assert.equal(runs, 2, 'and runs again for the next turn\'s messages')
    } finally {
      await new Promise<void>((resolve) => client.destroy(() => resolve()))
      await dir.remove()
    }
  })

  it('moves a torrent between two server peers over TCP, every byte intact', async function () {
    const bytes = randomBytes(256 * 1024)
    const fetched = await transfer(bytes)
    assert.ok(fetched.equals(bytes))
  })
})
