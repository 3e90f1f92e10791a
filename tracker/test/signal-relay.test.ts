import assert from 'node:assert/strict'
import type { Redis } from 'ioredis'
import pino from 'pino'
import { closeRedis, openRedis } from '@fedswarm/runtime'
import { eventually, startRedisServer, uniqueRedisPrefix, type RedisServer } from '@fedswarm/testkit'
import { createRedisSignalRelay } from '../src/index.ts'
import { binary, getBencoded, hexId, openWs, percentEncode, startTracker, type TestTracker, type WsPeer } from './helpers.ts'

describe('WebSocket signalling across two trackers on one Redis', function () {
  this.timeout(30_000)
  const prefix = uniqueRedisPrefix()
  const allowed = hexId(1)
  let server: RedisServer
  let redisA: Redis
  let redisB: Redis
  let a: TestTracker
  let b: TestTracker
  const open: WsPeer[] = []

  const announceMessage = (peerHex: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
    ({ action: 'announce', info_hash: binary(allowed), peer_id: binary(peerHex), numwant: 0, offers: [], left: 100, ...extra })
  const relayOn = (redis: Redis) => createRedisSignalRelay({ redis, prefix, peerTtlMs: 60_000, onError: () => {} })
  async function connect (t: TestTracker): Promise<WsPeer> {
    const peer = await openWs(t.base)
    open.push(peer)
    return peer
  }

  // A Redis of the test's own: one test stops and restarts it.
  beforeEach(async () => {
    server = await startRedisServer()
    redisA = await openRedis({ url: server.url, commandTimeoutMs: 500 })
    redisB = await openRedis({ url: server.url, commandTimeoutMs: 500 })
    a = await startTracker({ signalRelay: relayOn(redisA), log: pino({ level: 'silent' }) })
    b = await startTracker({ signalRelay: relayOn(redisB), log: pino({ level: 'silent' }) })
    a.tracker.allow(allowed)
    b.tracker.allow(allowed)
  })
  afterEach(async () => {
    for (const peer of open.splice(0)) peer.close()
    await a.close()
    await b.close()
    await closeRedis(redisA)
    await closeRedis(redisB)
    await server.stop()
  })

  /** Offers from the peer on B until one reaches the peer on A (A's subscription may still be on its way); the offer as A got it. */
  async function offerReaches (onA: WsPeer, onB: WsPeer): Promise<Record<string, unknown>> {
    return await eventually('the offer to reach the peer on A', 10_000, async () => {
      onB.send(announceMessage(hexId(101, 'aa'), { numwant: 1, offers: [{ offer: { type: 'offer', sdp: 'v=0' }, offer_id: binary(hexId(7, 'cc')) }] }))
      await onB.receive()
      // A's own announce answers may come first.
      for (;;) {
        const message = await onA.receive(300).catch(() => undefined)
        if (message === undefined || message.offer !== undefined) return message
      }
    })
  }

  it('relays an offer from a peer on B to a peer on A and the answer back, with the counts of both', async () => {
    const onA = await connect(a)
    onA.send(announceMessage(hexId(100, 'aa'), { left: 0 }))
    assert.equal((await onA.receive()).complete, 1)

    const onB = await connect(b)
    onB.send(announceMessage(hexId(101, 'aa')))
    const counted = await onB.receive()
    assert.equal(counted.complete, 1)
    assert.equal(counted.incomplete, 1)
    // A scrape on A counts the peer connected to B.
    const { files } = await getBencoded(a.base, `/scrape?info_hash=${percentEncode(allowed)}`) as { files: Record<string, { complete: number, incomplete: number }> }
    assert.deepEqual(Object.values(files).map(({ complete, incomplete }) => [complete, incomplete]), [[1, 1]])

    const offer = await offerReaches(onA, onB)
    const offerId = binary(hexId(7, 'cc'))
    assert.equal(offer.offer_id, offerId)
    assert.deepEqual(offer.offer, { type: 'offer', sdp: 'v=0' })
    assert.equal(offer.peer_id, binary(hexId(101, 'aa')))

    onA.send(announceMessage(hexId(100, 'aa'), { left: 0, to_peer_id: binary(hexId(101, 'aa')), answer: { type: 'answer', sdp: 'v=0' }, offer_id: offerId }))
    // B's own announce answers of the offers above may come first.
    let answer = await onB.receive()
    while (answer.answer === undefined) answer = await onB.receive()
    assert.deepEqual(answer.answer, { type: 'answer', sdp: 'v=0' })
    assert.equal(answer.offer_id, offerId)
    assert.equal(answer.peer_id, binary(hexId(100, 'aa')))
  })

  it('drops a closed socket\'s peer from the shared swarm, and a removed swarm on every process', async () => {
    const onA = await connect(a)
    onA.send(announceMessage(hexId(100, 'aa')))
    await onA.receive()
    const onB = await connect(b)
    onB.send(announceMessage(hexId(101, 'aa')))
    assert.equal((await onB.receive()).incomplete, 2)

    onA.close()
    await eventually('the closed peer to leave the shared swarm', 5000, async () => {
      onB.send(announceMessage(hexId(101, 'aa')))
      return (await onB.receive()).incomplete === 1 ? true : undefined
    })

    await a.tracker.remove(allowed) // B still allows it: only the shared swarm refuses
    onB.send(announceMessage(hexId(101, 'aa')))
    assert.equal((await onB.receive())['failure reason'], 'removed')
  })

  it('relays again, without a restart, once a lost Redis is back', async () => {
    const onA = await connect(a)
    onA.send(announceMessage(hexId(100, 'aa')))
    await onA.receive()
    const onB = await connect(b)
    await offerReaches(onA, onB)

    await server.kill()
    await server.restart()
    // Nothing was kept: the peers are members again at their next announces (until then each process
    // answers with its own peers), and A's channel is subscribed again on its own.
    await eventually('both peers to be members again', 10_000, async () => {
      onA.send(announceMessage(hexId(100, 'aa')))
      onB.send(announceMessage(hexId(101, 'aa')))
      return (await onB.receive()).incomplete === 2 ? true : undefined
    })
    assert.equal((await offerReaches(onA, onB)).peer_id, binary(hexId(101, 'aa')))
  })
})
