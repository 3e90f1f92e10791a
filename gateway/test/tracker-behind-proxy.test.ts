// FEDSWARM_TRUST_PROXY=true: the tracker takes a client's address from
// X-Forwarded-For the way express does (the nearest hop that is not a
// trusted proxy), for its rate limits and for the peers it hands out; the
// leftmost entries, which a client writes itself, are never read. Without
// it, X-Forwarded-For is ignored (e2e/tracker-flood.test.ts).

import assert from 'node:assert/strict'
import bencode from 'bencode'
import { announcePath, compactPeers, failureReason, pngBytes } from '@fedswarm/testkit'
import { publish, startOriginFixture, type OriginFixture } from '@fedswarm/origin-fixture'

const RATE = 5
const RATE_LIMITED = 'rate limited, retry later'

describe('tracker behind a trusted reverse proxy', function () {
  this.timeout(60_000)
  let fixture: OriginFixture
  let infoHash: string

  /** An announce as the proxy on loopback forwards it, for a client whose chain is `forwardedFor`. */
  async function announceVia (forwardedFor: string, peerId: string, port: number): Promise<Record<string, unknown>> {
    const response = await fetch(`${fixture.url}${announcePath(infoHash, { peerId, port })}`, { headers: { 'x-forwarded-for': forwardedFor } })
    assert.equal(response.status, 200)
    return bencode.decode(new Uint8Array(await response.arrayBuffer())) as Record<string, unknown>
  }

  before(async function () {
    fixture = await startOriginFixture(undefined, { FEDSWARM_TRUST_PROXY: 'true', FEDSWARM_ANNOUNCE_RATE: String(RATE) })
    const { status, manifest } = await publish(fixture, pngBytes(40_000))
    assert.equal(status, 201)
    infoHash = manifest.infoHash
  })
  after(async function () {
    await fixture?.stop()
  })

  it('hands out the client address the proxy saw, not one the client forged nor the proxy\'s', async function () {
    // The client wrote 198.51.100.1 itself; the proxy appended the address it saw.
    assert.equal(failureReason(await announceVia('198.51.100.1, 203.0.113.7', '-FS0001-proxied00001', 7001)), undefined)
    const answer = await announceVia('203.0.113.8', '-FS0001-proxied00002', 7002)
    assert.equal(failureReason(answer), undefined)
    // The first client, at the address the proxy saw (an answer never names the announcer itself).
    assert.deepEqual(compactPeers(answer), ['203.0.113.7:7001'])
    const back = await announceVia('198.51.100.1, 203.0.113.7', '-FS0001-proxied00001', 7001)
    assert.deepEqual(compactPeers(back), ['203.0.113.8:7002'])
  })

  it('keeps one budget per client behind the proxy: a flooding client is refused, its neighbour is not', async function () {
    const refusals: string[] = []
    // Far past the burst (three seconds' worth), each with a fresh forged leftmost entry and peer id.
    for (let i = 0; i < RATE * 3 + 10; i++) {
      const reason = failureReason(await announceVia(`192.0.2.${i % 250}, 203.0.113.20`, `-FS0001-flood${String(i).padStart(7, '0')}`, 7100 + i))
      if (reason !== undefined) refusals.push(reason)
    }
    assert.ok(refusals.length >= 5, `the flooding client was refused ${refusals.length} times`)
    assert.ok(refusals.every((reason) => reason === RATE_LIMITED), refusals.join('; '))
    assert.equal(failureReason(await announceVia('203.0.113.21', '-FS0001-neighbour001', 7200)), undefined)
  })
})
