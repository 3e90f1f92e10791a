// Faults of the swarm (issue #8), with real processes: a tracker nobody can
// reach, and a peer that sends corrupted pieces.

import assert from 'node:assert/strict'
import { manifestSchema, sha256Of, type Manifest } from '@fedswarm/protocol'
import { freePort, eventually, metric, pngBytes, startHostilePeer, type HostilePeer } from '@fedswarm/testkit'
import { startHttpProxy, type HttpProxy } from './fault-proxies.ts'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const admin = { authorization: `Bearer ${TOKEN}` }
const SIZE = 2 * 1024 * 1024

async function publishHot (base: string, bytes: Buffer): Promise<Manifest> {
  const response = await fetch(`${base}/api/media?hot=1`, { method: 'POST', headers: { ...admin, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
  assert.equal(response.status, 201)
  return manifestSchema.parse(await response.json())
}

/** The seeder's mirror copy of an item once it is complete and verified (200), else undefined. */
async function mirrored (seeder: DaemonProcess, infoHash: string): Promise<Buffer | undefined> {
  const response = await fetch(`${seeder.url}/media/${infoHash}`)
  const body = Buffer.from(await response.arrayBuffer())
  return response.status === 200 ? body : undefined
}

async function seederBytesIn (seeder: DaemonProcess, source: 'peers' | 'webseed'): Promise<number> {
  return metric(await (await fetch(`${seeder.url}/metrics`)).text(), 'fedswarm_seeder_bytes_total', { direction: 'in', source })
}

describe('e2e faults: the tracker unreachable', function () {
  this.timeout(90_000)
  let proxy: HttpProxy
  let origin: OriginProcess
  let seeder: DaemonProcess

  before(async function () {
    // The tracker is on the origin's own public URL (/announce): the public URL is a proxy that
    // forwards everything but /announce, whose sockets it destroys, HTTP and WebSocket alike.
    // The origin's port is chosen first: the proxy must reach it while the origin's start is checked through its public URL.
    const port = await freePort()
    proxy = await startHttpProxy(`http://127.0.0.1:${port}`, ['/announce'])
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', PORT: String(port), FEDSWARM_PUBLIC_URL: proxy.url }, timeoutMs: 60_000 })
    seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: proxy.url, FEDSWARM_WEBSEED_AFTER: '500ms' }, timeoutMs: 60_000 })
  })
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`origin output:\n${origin?.output()}\nseeder output:\n${seeder?.output()}`)
  })
  after(async function () {
    await seeder?.stop()
    await origin?.stop()
    await proxy?.close()
  })

  it('a seeder fetching a hot item whose announces fail completes it from the web seed, byte-exact', async function () {
    const bytes = pngBytes(SIZE)
    const manifest = await publishHot(proxy.url, bytes)
    assert.deepEqual(manifest.trackers, [`${proxy.url}/announce`, `${proxy.url.replace('http', 'ws')}/announce`])
    const copy = await eventually('the item complete on the seeder', 30_000, () => mirrored(seeder, manifest.infoHash))
    assert.equal(sha256Of(copy), manifest.sha256, 'the copy has the manifest\'s sha256')
    assert.ok(copy.equals(bytes))
    // Every byte came over HTTP from the web seed; no peer was ever found.
    assert.ok(await seederBytesIn(seeder, 'webseed') >= SIZE, 'the web seed delivered the item')
    assert.equal(await seederBytesIn(seeder, 'peers'), 0)
    assert.ok((proxy.cut.get('/announce') ?? 0) >= 1, 'announces were tried, and cut')
  })
})

/** Every byte as %XX, as BitTorrent clients send info_hash and peer_id. */
function percentEncode (bytes: Buffer): string {
  return [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')
}

/** Announces `peer` to the origin's tracker as a complete peer of `infoHash`, so that the tracker hands it out. */
async function announceComplete (origin: string, infoHash: string, peer: HostilePeer): Promise<void> {
  const query = [
    `info_hash=${percentEncode(Buffer.from(infoHash, 'hex'))}`, `peer_id=${percentEncode(peer.peerId)}`,
    `port=${peer.port}`, 'uploaded=0', 'downloaded=0', 'left=0', 'compact=1', 'event=started'
  ].join('&')
  const response = await fetch(`${origin}/announce?${query}`)
  await response.arrayBuffer()
  assert.equal(response.status, 200)
}

describe('e2e faults: a peer that sends corrupted pieces', function () {
  this.timeout(90_000)
  let origin: OriginProcess
  let seeder: DaemonProcess | undefined
  let hostile: HostilePeer | undefined

  before(async function () {
    // The origin's uploads are capped, so the hostile peer, which answers at once, gets asked often.
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_UPLOAD_LIMIT: '1MB' }, timeoutMs: 60_000 })
  })
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`origin output:\n${origin?.output()}\nseeder output:\n${seeder?.output()}`)
  })
  after(async function () {
    await seeder?.stop()
    await origin?.stop()
    await hostile?.close()
  })

  it('a seeder fetching from it and from the honest origin drops it and ends with the right bytes', async function () {
    const bytes = pngBytes(SIZE)
    // Hot before the seeder starts: the origin seeds it, and the hostile peer joins its swarm first.
    const manifest = await publishHot(origin.url, bytes)
    hostile = await startHostilePeer(manifest.infoHash, Math.ceil(SIZE / manifest.pieceLength))
    await announceComplete(origin.url, manifest.infoHash, hostile)
    seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url }, timeoutMs: 60_000 })
    const s = seeder

    const copy = await eventually('the item complete on the seeder', 60_000, () => mirrored(s, manifest.infoHash))
    assert.equal(sha256Of(copy), manifest.sha256)
    assert.ok(copy.equals(bytes))
    // The seeder did ask the hostile peer, and got wrong bytes...
    assert.ok(hostile.connections >= 1, 'the seeder connected to the hostile peer')
    assert.ok(hostile.badBlocks >= 1, 'the hostile peer answered requests with wrong bytes')
    // ...which it noticed (a piece failing its hash) and answered by dropping the peer,
    // before the peer could spoil more than a few pieces.
    assert.ok(hostile.closedByRemote >= 1, `the seeder dropped the hostile peer (it sent wrong bytes for ${hostile.badPieces.size} pieces)`)
    assert.ok(hostile.badPieces.size <= 8, `the hostile peer was asked for ${hostile.badPieces.size} pieces before it was dropped`)
  })
})
