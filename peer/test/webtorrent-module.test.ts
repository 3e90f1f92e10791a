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

/** A bundled client holding one torrent of `size` random bytes (in a temp folder), for `use`; all removed after. */
async function withTorrent<Internals extends object> (size: number, use: (torrent: Torrent & Internals, bytes: Buffer) => Promise<void> | void): Promise<void> {
  const WebTorrent = await loadWebTorrent()
  const dir = await tempDir('fedswarm-webtorrent-bundle-')
  const client = new WebTorrent(SERVER_SETTINGS)
  try {
    const bytes = randomBytes(size)
    await use(client.add(await makeTorrent(bytes), { path: dir.path }) as Torrent & Internals, bytes)
  } finally {
    await new Promise<void>((resolve) => client.destroy(() => resolve()))
    await dir.remove()
  }
}

describe('webtorrent for server peers', function () {
  it('is loaded from the bundle npm install wrote, not from the package', async function () {
    assert.ok(existsSync(fileURLToPath(WEBTORRENT_BUNDLE)), `no bundle at ${WEBTORRENT_BUNDLE.pathname}: npm install runs peer/scripts/bundle-webtorrent.ts`)
    const { default: fromPackage } = await import('webtorrent')
    const loaded = await loadWebTorrent()
    assert.notEqual(loaded, fromPackage)
    // The same client (bundling may rename the class itself, to _WebTorrent).
    assert.deepEqual(Object.getOwnPropertyNames(loaded.prototype).sort(), Object.getOwnPropertyNames(fromPackage.prototype).sort())
  })

  it('leaves out what our settings turn off, and says so if one is ever turned on', async function () {
    const WebTorrent = await loadWebTorrent()
    // UPnP is the first of them the constructor reaches, before it opens any port.
    assert.throws(() => new WebTorrent({ ...SERVER_SETTINGS, natUpnp: true }), /not in the fedswarm webtorrent bundle/)
  })

  it('schedules a torrent\'s requests once for all the messages of one turn, not once for each', async function () {
    await withTorrent<{ _update (): void, _updateWireWrapper (): void }>(64 * 1024, async (torrent) => {
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
    })
  })

  it('passes over a wire with a full request pipeline, or choked, without building its scheduling', async function () {
    await withTorrent<{ _updateWire (wire: object): unknown, fedswarmUpdateWire (wire: object): unknown }>(64 * 1024, (torrent) => {
      const scheduled: object[] = []
      torrent.fedswarmUpdateWire = (wire) => { scheduled.push(wire) }
      // A wire without speed keeps 2 blocks asked for (2 + what half a second at its speed brings).
      const wire = (fields: object): object => ({ destroyed: false, type: 'tcpOutgoing', requests: [], downloadSpeed: () => 0, peerChoking: false, hasFast: false, peerAllowedFastSet: [], ...fields })
      const full = wire({ requests: [{}, {}] })
      const choked = wire({ peerChoking: true })
      const chokedWithAllowedFast = wire({ peerChoking: true, hasFast: true, peerAllowedFastSet: [0] })
      const room = wire({ requests: [{}] })
      const webSeed = wire({ type: 'webSeed', requests: [{}, {}], peerChoking: true })
      for (const each of [full, choked, chokedWithAllowedFast, room, webSeed]) torrent._updateWire(each)
      assert.deepEqual(scheduled, [chokedWithAllowedFast, room, webSeed])
    })
  })

  it('builds a block request only once a block is reserved for it', async function () {
    await withTorrent<{ _request (wire: object, index: number, hotswap: boolean): boolean, fedswarmRequestReserved (wire: object, index: number): boolean }>(64 * 1024, async (torrent) => {
      await new Promise((resolve) => torrent.once('ready', resolve))
      const built: number[] = []
      torrent.fedswarmRequestReserved = (_wire, index) => { built.push(index); return true }
      const wire = (requests: object[]): object => ({ type: 'tcpOutgoing', requests, downloadSpeed: () => 0 })
      assert.equal(torrent._request(wire([{}, {}]), 0, false), false, 'a full pipeline')
      assert.deepEqual(built, [])
      assert.equal(torrent._request(wire([]), 0, false), true)
      assert.deepEqual(built, [0])
    })
  })

  /** A connected, unchoked peer holding every piece, `blocksPerSecond` fast, that records the blocks asked of it and the pieces announced to it. */
  interface PeerWire { requests: Array<{ piece: number, offset: number, callback (err: Error | null, block?: Uint8Array): void }>, cancelled: number[], haves: number[], peerPieces: { get (index: number): boolean }, peerExtendedHandshake: Record<string, unknown> }
  const peerWire = (blocksPerSecond: number): PeerWire => ({
    destroyed: false,
    type: 'tcpOutgoing',
    requests: [] as PeerWire['requests'],
    downloaded: 1,
    downloadSpeed: () => blocksPerSecond * 16 * 1024,
    peerChoking: false,
    hasFast: false,
    peerAllowedFastSet: [],
    peerPieces: { get: () => true },
    peerExtendedHandshake: {},
    cancelled: [] as number[],
    haves: [] as number[],
    request (piece: number, offset: number, length: number, callback: unknown) { this.requests.push({ piece, offset, length, callback } as PeerWire['requests'][number]) },
    // As bittorrent-protocol does: the request leaves the list and its callback hears why.
    cancel (piece: number, offset: number) {
      const at = this.requests.findIndex((r) => r.piece === piece && r.offset === offset)
      if (at === -1) return
      this.cancelled.push(piece)
      this.requests.splice(at, 1)[0]!.callback(new Error('request was cancelled'))
    },
    have (index: number) { this.haves.push(index) }
  } as PeerWire)

  it('asks a peer for what half a second at its speed brings, plus two blocks', async function () {
    await withTorrent<{ _updateWire (wire: object): unknown }>(32 * 16 * 1024, async (torrent) => {
      await new Promise((resolve) => torrent.once('ready', resolve))
      const wire = peerWire(10)
      torrent._updateWire(wire)
      // 2 + ceil(0.5 s x 10 blocks/s); a whole second's worth would be 12.
      assert.equal(wire.requests.length, 7)
    })
  })

  it('asks no second peer for a block another is sending, unless a reader waits for its piece', async function () {
    await withTorrent<{ _updateWire (wire: object): unknown, critical (start: number, end: number): void }>(4 * 16 * 1024, async (torrent) => {
      await new Promise((resolve) => torrent.once('ready', resolve))
      const hotswaps: number[] = []
      torrent.on('hotswap', (_from: unknown, _to: unknown, index: number) => hotswaps.push(index))
      const slow = peerWire(0)
      const fast = peerWire(10)
      torrent._updateWire(slow)
      torrent._updateWire(fast)
      assert.deepEqual(slow.requests.map((r) => r.piece), [0, 1])
      assert.deepEqual(fast.requests.map((r) => r.piece).slice(0, 2), [2, 3], 'the slow peer keeps its blocks')
      assert.deepEqual(hotswaps, [])
      torrent.critical(0, 0)
      torrent._updateWire(fast)
      assert.deepEqual(hotswaps, [0], 'a piece a reader waits for is asked of the faster peer')
    })
  })

  it('in the end game asks a peer with room for the blocks others are still sending, and cancels the rest when one comes', async function () {
    await withTorrent<{ _updateWire (wire: object): unknown, wires: object[] }>(4 * 16 * 1024, async (torrent, bytes) => {
      await new Promise((resolve) => torrent.once('ready', resolve))
      const slow = peerWire(0)
      const fast = peerWire(10)
      torrent.wires.push(slow)
      try {
        torrent._updateWire(slow)
        torrent.wires.push(fast)
        torrent._updateWire(fast)
        // Pieces 2 and 3 were nobody's; 0 and 1, the slow peer's, are asked again, once.
        assert.deepEqual(fast.requests.map((r) => r.piece), [2, 3, 0, 1])
        torrent._updateWire(peerWire(10))
        assert.equal(fast.requests.length, 4)
        const verified = new Promise((resolve) => torrent.once('verified', resolve))
        fast.requests.find((r) => r.piece === 0)!.callback(null, bytes.subarray(0, 16 * 1024))
        assert.deepEqual(slow.cancelled, [0], 'the slow peer is told to send block 0 no more')
        assert.equal(await verified, 0)
        assert.deepEqual(slow.requests.map((r) => r.piece), [1])
      } finally {
        // Out again before the client is destroyed: webtorrent would unsubscribe them from events they never had.
        torrent.wires.splice(0)
      }
    })
  })

  it('announces a piece with its bytes, and tells only the peers that lack it, or a super-seeder', async function () {
    // Two pieces: the torrent is not done after the first, which is all this looks at.
    await withTorrent<{ _updateWire (wire: object): unknown, wires: object[] }>(2 * 16 * 1024, async (torrent, bytes) => {
      await new Promise((resolve) => torrent.once('ready', resolve))
      const first = bytes.subarray(0, 16 * 1024)
      const source = peerWire(10)
      const lacking = { ...peerWire(10), peerPieces: { get: () => false } }
      const superSeeder = { ...peerWire(10), peerExtendedHandshake: { fedswarm_super_seed: 1 } }
      torrent.wires.push(source, lacking, superSeeder)
      try {
        torrent._updateWire(source)
        const verified = new Promise<[number, Uint8Array | undefined]>((resolve) => torrent.once('verified', (index: number, piece?: Uint8Array) => resolve([index, piece])))
        source.requests.find((r) => r.piece === 0)!.callback(null, first)
        const [index, piece] = await verified
        assert.equal(index, 0)
        assert.ok(piece !== undefined && Buffer.from(piece).equals(first), 'the verified bytes come with the event')
        assert.deepEqual([source.haves, lacking.haves, superSeeder.haves], [[], [0], [0]])
      } finally {
        torrent.wires.splice(0)
      }
    })
  })

  it('formats no debug message while debugging is off', async function () {
    await withTorrent<{ _debug (...args: unknown[]): void }>(16 * 1024, (torrent) => {
      const unformattable = { toString () { throw new Error('formatted') } }
      assert.doesNotThrow(() => torrent._debug(unformattable))
    })
  })

  it('moves a torrent between two server peers over TCP, every byte intact', async function () {
    const bytes = randomBytes(256 * 1024)
    const fetched = await transfer(bytes)
    assert.ok(fetched.equals(bytes))
  })

  it('writes what a connection sends in one turn at once, and reads its speeds without allocating', async function () {
    const { Socket } = await import('node:net')
    const { _write: write } = Socket.prototype
    const { hrtime } = process
    // A piece message is a 13-byte header (length, id 7, index, offset) and the block: written one by one, the header goes alone.
    let headersAlone = 0
    let hrtimes = 0
    Socket.prototype._write = function (chunk: Buffer, ...rest) {
      if (chunk.length === 13 && chunk[4] === 7) headersAlone++
      return write.call(this, chunk, ...rest)
    }
    process.hrtime = Object.assign((time?: [number, number]) => { hrtimes++; return hrtime(time) }, { bigint: hrtime.bigint })
    try {
      const bytes = randomBytes(256 * 1024)
      assert.ok((await transfer(bytes)).equals(bytes))
    } finally {
      Socket.prototype._write = write
      process.hrtime = hrtime
    }
    assert.equal(headersAlone, 0)
    assert.equal(hrtimes, 0)
  })
})
