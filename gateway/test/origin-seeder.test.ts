import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Server as TrackerServer } from 'bittorrent-tracker'
import createTorrent from 'create-torrent'
import parseTorrent from 'parse-torrent'
import { pino } from 'pino'
import WebTorrent, { type Torrent } from 'webtorrent'
import { createFsBlobStore, createS3BlobStore, type BlobStore } from '@fedswarm/storage'
import { startS3Server, tempDir, type TempDir } from '@fedswarm/testkit'
import { createOriginSeeder, type OriginSeeder, type OriginSeederOptions, type SeedableItem } from '../src/seeding/origin-seeder.ts'

const log = pino({ level: 'silent' })
const SIZE = 3 * 1024 * 1024 + 12_345 // a short last piece too
const PIECE_LENGTH = 64 * 1024

/** Rejects after `ms` instead of hanging; the timer never outlives the race. */
async function within<T> (ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** bittorrent-tracker's Server on a plain HTTP server of ours, port 0, as the gateway mounts it. */
async function startTracker (): Promise<{ announceUrl: string, server: TrackerServer, stop (): Promise<void> }> {
  const tracker = new TrackerServer({ http: false, udp: false, ws: false })
  tracker.on('warning', () => {})
  tracker.on('error', () => {})
  const http: HttpServer = createServer((req, res) => { tracker.onHttpRequest(req, res) })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const { port } = http.address() as AddressInfo
  return {
    announceUrl: `http://127.0.0.1:${port}/announce`,
    server: tracker,
    async stop () {
      await new Promise<void>(resolve => { tracker.close(() => resolve()) })
      http.closeAllConnections()
      await new Promise<void>(resolve => { http.close(() => resolve()) })
    }
  }
}

async function makeTorrent (bytes: Buffer, announceUrl: string): Promise<{ torrent: Buffer, infoHash: string }> {
  const torrent = await new Promise<Buffer>((resolve, reject) => {
    // A copy: create-torrent writes `name` and a symbol on the buffer it is given.
    createTorrent(Buffer.from(bytes), { name: 'item', private: true, announceList: [[announceUrl]], pieceLength: PIECE_LENGTH }, (err, buf) => {
      if (err) reject(err)
      else resolve(Buffer.from(buf))
    })
  })
  return { torrent, infoHash: (await parseTorrent(torrent)).infoHash }
}

describe('origin seeder', function () {
  let tracker: Awaited<ReturnType<typeof startTracker>>
  let dir: TempDir
  let blobs: BlobStore
  let cleanups: Array<() => Promise<void> | void>

  before(async function () {
    tracker = await startTracker()
  })
  after(async function () {
    await tracker.stop()
  })

  beforeEach(async function () {
    cleanups = []
    dir = await tempDir('fedswarm-origin-seeder-')
    blobs = createFsBlobStore(join(dir.path, 'blobs'))
  })
  afterEach(async function () {
    for (const cleanup of cleanups.reverse()) await cleanup()
    await dir.remove()
  })

  function startSeeder (options: Partial<OriginSeederOptions> = {}): OriginSeeder {
    const seeder = createOriginSeeder({ blobs, log, ...options })
    cleanups.push(() => seeder.stop())
    return seeder
  }

  /** Random bytes put in `store` under `key`, and their torrent. */
  async function publish (store: BlobStore, key: string, size = SIZE): Promise<SeedableItem & { bytes: Buffer }> {
    const bytes = randomBytes(size)
    const upload = join(dir.path, `upload-${randomBytes(4).toString('hex')}`)
    await writeFile(upload, bytes)
    await store.putFile(key, upload, 'application/octet-stream')
    return { ...await makeTorrent(bytes, tracker.announceUrl), blobKey: key, bytes }
  }

  /** A plain WebTorrent client downloads the item; resolves with its torrent once done. */
  async function leech (torrentFile: Buffer): Promise<{ torrent: Torrent, path: string }> {
    // Fedswarm peers speak plain BitTorrent (no BEP 8 encryption): see peer/src/peer-client.ts.
    const client = new WebTorrent({ dht: false, lsd: false, utp: false, natUpnp: false, natPmp: false, secure: 0 })
    client.on('error', () => {})
    cleanups.push(() => new Promise<void>(resolve => { client.destroy(() => resolve()) }))
    const path = join(dir.path, `leecher-${randomBytes(4).toString('hex')}`)
    const torrent = client.add(torrentFile, { path })
    await within(20_000, 'the leecher to finish', once(torrent, 'done'))
    return { torrent, path: join(path, 'item') }
  }

  async function assertSwarmDelivers (seeder: OriginSeeder, item: SeedableItem & { bytes: Buffer }): Promise<void> {
    await seeder.seed(item)
    assert.ok(seeder.has(item.infoHash))
    // seed() resolved after the tracker heard the origin as a complete peer.
    assert.equal(tracker.server.torrents[item.infoHash]?.complete, 1)
    const { torrent, path } = await leech(item.torrent)
    assert.deepEqual(await readFile(path), item.bytes)
    // No web seed in this torrent and no other peer in the swarm: every byte came from the origin seeder
    // (a few blocks may come twice: webtorrent's end game asks for the last ones again).
    assert.ok(torrent.received >= item.bytes.length, `received ${torrent.received}`)
    assert.ok(seeder.stats().uploaded >= item.bytes.length, `uploaded ${seeder.stats().uploaded}`)
    assert.equal(seeder.stats().active, 1)
  }

  it('seeds an item from a folder blob store to a leecher, byte-exact', async function () {
    await assertSwarmDelivers(startSeeder(), await publish(blobs, 'fedswarm/item-fs'))
  })

  it('seeds an item from an S3 blob store to a leecher, byte-exact', async function () {
    const s3 = await startS3Server()
    cleanups.push(() => s3.stop())
    const s3Blobs = createS3BlobStore({ bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials })
    cleanups.push(() => s3Blobs.close())
    await assertSwarmDelivers(startSeeder({ blobs: s3Blobs }), await publish(s3Blobs, 'fedswarm/item-s3'))
  })

  it('counts uploaded bytes under an upload limit', async function () {
    const seeder = startSeeder({ uploadLimit: 8 * 1024 * 1024 })
    const item = await publish(blobs, 'fedswarm/item-limited', 1024 * 1024)
    await seeder.seed(item)
    const { path } = await leech(item.torrent)
    assert.deepEqual(await readFile(path), item.bytes)
    assert.ok(seeder.stats().uploaded >= item.bytes.length)
  })

  it('keeps at most maxActive torrents, dropping the least recently seeded', async function () {
    const seeder = startSeeder({ maxActive: 1 })
    const a = await publish(blobs, 'fedswarm/a', 100_000)
    const b = await publish(blobs, 'fedswarm/b', 100_000)
    await seeder.seed(a)
    await seeder.seed(b)
    assert.equal(seeder.stats().active, 1)
    assert.ok(!seeder.has(a.infoHash))
    assert.ok(seeder.has(b.infoHash))
    await seeder.seed(a)
    assert.ok(seeder.has(a.infoHash))
    assert.ok(!seeder.has(b.infoHash))
    assert.equal(seeder.stats().active, 1)
  })

  it('reseeding refreshes recency', async function () {
    const seeder = startSeeder({ maxActive: 2 })
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(k => publish(blobs, `fedswarm/${k}`, 50_000)))
    await seeder.seed(a!)
    await seeder.seed(b!)
    await seeder.seed(a!)
    await seeder.seed(c!)
    assert.ok(seeder.has(a!.infoHash))
    assert.ok(!seeder.has(b!.infoHash))
    assert.ok(seeder.has(c!.infoHash))
  })

  it('seeding twice is idempotent, also concurrently', async function () {
    const seeder = startSeeder()
    const item = await publish(blobs, 'fedswarm/twice', 100_000)
    await Promise.all([seeder.seed(item), seeder.seed(item)])
    await seeder.seed({ ...item, infoHash: item.infoHash.toUpperCase() })
    assert.equal(seeder.stats().active, 1)
    assert.ok(seeder.has(item.infoHash))
  })

  it('unseed removes the torrent, idempotently', async function () {
    const seeder = startSeeder()
    const item = await publish(blobs, 'fedswarm/gone', 100_000)
    await seeder.seed(item)
    await seeder.unseed(item.infoHash)
    assert.ok(!seeder.has(item.infoHash))
    assert.equal(seeder.stats().active, 0)
    await seeder.unseed(item.infoHash)
    // An unseed racing a pending seed wins, and the seed settles.
    const pending = seeder.seed(item)
    await seeder.unseed(item.infoHash)
    await within(10_000, 'the pending seed to settle', pending)
    assert.ok(!seeder.has(item.infoHash))
  })

  it('stop is idempotent and a stopped seeder seeds nothing', async function () {
    const seeder = startSeeder()
    const item = await publish(blobs, 'fedswarm/stopped', 100_000)
    const pending = seeder.seed(item)
    await Promise.all([seeder.stop(), seeder.stop()])
    await within(10_000, 'the pending seed to settle', pending)
    await seeder.stop()
    await seeder.seed(item)
    assert.ok(!seeder.has(item.infoHash))
    assert.deepEqual(seeder.stats(), { active: 0, uploaded: 0, peers: 0 })
  })

  it('logs a failed blob read as a warning and keeps running', async function () {
    let onWarning = (): void => {}
    const warned = new Promise<void>(resolve => { onWarning = resolve })
    const seeder = startSeeder({
      log: pino({ level: 'warn' }, { write: (line: string) => { if (line.includes('blob read failed')) onWarning() } })
    })
    const item = await publish(blobs, 'fedswarm/vanishing', 200_000)
    await seeder.seed(item)
    await blobs.delete(item.blobKey)
    // Fedswarm peers speak plain BitTorrent (no BEP 8 encryption): see peer/src/peer-client.ts.
    const client = new WebTorrent({ dht: false, lsd: false, utp: false, natUpnp: false, natPmp: false, secure: 0 })
    client.on('error', () => {})
    cleanups.push(() => new Promise<void>(resolve => { client.destroy(() => resolve()) }))
    const torrent = client.add(item.torrent, { path: join(dir.path, 'leecher') })
    await within(10_000, 'the blob read warning', warned)
    assert.equal(torrent.downloaded, 0)
    assert.ok(seeder.has(item.infoHash))
  })

  it('refuses a missing blob, a blob of the wrong size and a wrong info hash', async function () {
    const seeder = startSeeder()
    const item = await publish(blobs, 'fedswarm/real', 100_000)
    await assert.rejects(seeder.seed({ ...item, blobKey: 'fedswarm/none' }), /no blob/)
    const other = await publish(blobs, 'fedswarm/other', 99_999)
    await assert.rejects(seeder.seed({ ...item, blobKey: other.blobKey }), /bytes/)
    await assert.rejects(seeder.seed({ ...item, infoHash: other.infoHash }), /info hash/)
    await assert.rejects(seeder.seed({ ...item, infoHash: 'nope' }), TypeError)
    assert.equal(seeder.stats().active, 0)
    await seeder.seed(item)
    assert.ok(seeder.has(item.infoHash))
  })
})
