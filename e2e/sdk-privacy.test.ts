// FEDSWARM_PEERS=instances-only against a real origin: a client is handed
// registered seeders and the origin, never another client. On loopback every
// process announces from 127.0.0.1 (the origin's own address, so
// "registered"); the clients here announce from 127.0.0.2 and 127.0.0.3,
// which Linux routes to the same loopback interface.

import assert from 'node:assert/strict'
import http from 'node:http'
import bencode from 'bencode'
import { parseOriginConfig } from '@fedswarm/gateway'
import { pngBytes } from '@fedswarm/testkit'
import { publish, startOriginFixture, type OriginFixture } from '@fedswarm/origin-fixture'

function percentEncode (hex: string): string {
  return hex.replace(/../g, (byte) => `%${byte.toUpperCase()}`)
}

/** One HTTP announce sent from `localAddress`; the peers of the answer as ip:port. */
async function announceFrom (localAddress: string, base: string, infoHash: string, peerNumber: number, port: number): Promise<string[]> {
  const peerId = Buffer.from(`-XX0001-${String(peerNumber).padStart(12, '0')}`).toString('hex')
  const path = `/announce?info_hash=${percentEncode(infoHash)}&peer_id=${percentEncode(peerId)}&port=${port}&uploaded=0&downloaded=0&left=1000&compact=1&event=started`
  const body = await new Promise<Buffer>((resolve, reject) => {
    const req = http.request(`${base}${path}`, { localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve(Buffer.concat(chunks)))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
  const answer = bencode.decode(body) as Record<string, unknown>
  if (answer['failure reason'] !== undefined) throw new Error(Buffer.from(answer['failure reason'] as Uint8Array).toString())
  const peers = answer.peers as Uint8Array
  const out: string[] = []
  for (let at = 0; at + 6 <= peers.length; at += 6) out.push(`${peers.subarray(at, at + 4).join('.')}:${peers[at + 4]! * 256 + peers[at + 5]!}`)
  return out
}

for (const mode of ['all', 'instances-only'] as const) {
  describe(`e2e: tracker hand-out with FEDSWARM_PEERS=${mode}`, function () {
    this.timeout(30_000)
    let fixture: OriginFixture

    before(async () => {
      fixture = await startOriginFixture(undefined, { FEDSWARM_PEERS: mode, FEDSWARM_ANNOUNCE_RATE: '1000' })
    })
    after(async () => { await fixture?.stop() })

    it(mode === 'all' ? 'hands a client every other peer' : 'hands a client only registered addresses, never another client', async () => {
      const { manifest } = await publish(fixture, pngBytes(40_000))
      const base = fixture.url
      await announceFrom('127.0.0.1', base, manifest.infoHash, 1, 7001) // the origin's own address: registered
      await announceFrom('127.0.0.2', base, manifest.infoHash, 2, 7002) // a client
      const peers = await announceFrom('127.0.0.3', base, manifest.infoHash, 3, 7003) // another client
      assert.ok(peers.includes('127.0.0.1:7001'), peers.join(' '))
      if (mode === 'all') assert.ok(peers.includes('127.0.0.2:7002'), peers.join(' '))
      else assert.deepEqual(peers.filter((peer) => !peer.startsWith('127.0.0.1:')), [])
    })
  })
}

describe('FEDSWARM_PEERS', () => {
  it('is all by default, instances-only on demand, and nothing else', () => {
    assert.equal(parseOriginConfig({}).tracker.peerPolicy, 'all')
    assert.equal(parseOriginConfig({ FEDSWARM_PEERS: 'instances-only' }).tracker.peerPolicy, 'instances-only')
    assert.throws(() => parseOriginConfig({ FEDSWARM_PEERS: 'clients-too' }), { name: 'ConfigError', message: /FEDSWARM_PEERS/ })
  })
})
