import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { createHash } from 'node:crypto'
import { buildManifest, digestMultibase, originUrls, sha256Base64url, type Manifest } from '@fedswarm/protocol'
import { followEvents, type EventFollower } from '../src/event-follower.ts'
import type { OriginClient } from '../src/origin-client.ts'

const INFO_HASH = 'a'.repeat(40)

function manifestFor (origin: string, id: string): Manifest {
  const sha256 = createHash('sha256').update(id).digest()
  return buildManifest({ id, sha256: sha256Base64url(sha256), digestMultibase: digestMultibase(sha256), infoHash: INFO_HASH, mediaType: 'image/png', size: 10, pieceLength: 16_384, createdAt: new Date() }, originUrls(origin))
}

/** An origin's event stream that sends `events` (SSE frames) and stays open. */
async function eventOrigin (frames: (origin: string) => string[]): Promise<{ url: string, server: Server }> {
  const server = createServer((req, res) => {
    if (req.url !== '/api/events') return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const frame of frames(url)) res.write(frame)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, server }
}

describe('event follower', function () {
  let origin: { url: string, server: Server } | undefined
  let follower: EventFollower | undefined
  afterEach(async function () {
    await follower?.stop()
    origin?.server.closeAllConnections()
    await new Promise((resolve) => origin?.server.close(resolve))
  })

  it('hands on the torrent a hot event carries, and none when it carries a malformed one', async function () {
    const torrent = Buffer.from('d4:infod6:lengthi10eee')
    origin = await eventOrigin((url) => [
      `id: 1\nevent: hot\ndata: ${JSON.stringify({ seq: 1, type: 'hot', manifest: manifestFor(url, 'with'), torrent: torrent.toString('base64'), at: new Date().toISOString() })}\n\n`,
      `id: 2\nevent: hot\ndata: ${JSON.stringify({ seq: 2, type: 'hot', manifest: manifestFor(url, 'malformed'), torrent: '%%% not base64', at: new Date().toISOString() })}\n\n`,
      `id: 3\nevent: hot\ndata: ${JSON.stringify({ seq: 3, type: 'hot', manifest: manifestFor(url, 'without'), at: new Date().toISOString() })}\n\n`
    ])
    const got: Array<{ id: string, torrent: Buffer | undefined }> = []
    const { promise: allThree, resolve } = Promise.withResolvers<void>()
    const client = { origin: origin.url, popular: async () => [] } as unknown as OriginClient
    follower = followEvents({
      client, log: pino({ level: 'silent' }), cursor: 0, pollInterval: 60_000,
      onHot: async (manifest, given) => { if (got.push({ id: manifest.id, torrent: given }) === 3) resolve() },
      onDeleted: async () => {},
      onCursor: async () => {}
    })
    await allThree
    assert.deepEqual(got, [{ id: 'with', torrent }, { id: 'malformed', torrent: undefined }, { id: 'without', torrent: undefined }])
  })
})
