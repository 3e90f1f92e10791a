// The behaviour every swarm store owes the tracker, run against each
// implementation (swarm-store.test.ts).

import assert from 'node:assert/strict'
import { eventually } from '@fedswarm/testkit'
import type { PeerAnnounce, PeerChoice, SwarmStore } from '../src/swarm-store.ts'
import { hexId } from './helpers.ts'

export interface StoreUnderTest {
  /** A store of its own for one test (its own keys), with this peer lifetime. */
  open (peerTtlMs?: number): Promise<SwarmStore>
}

const ALL: PeerChoice = { numwant: 50, canHandOut: () => true }

function peer (n: number, extra: Partial<PeerAnnounce> = {}): PeerAnnounce {
  return { infoHash: hexId(1), peerId: hexId(n, 'aa'), ip: '10.0.0.1', port: 6000 + n, complete: false, stopped: false, ...extra }
}

function addresses (peers: Array<{ ip: string, port: number }>): string[] {
  return peers.map((p) => `${p.ip}:${p.port}`).sort()
}

export function swarmStoreContract (name: string, subject: StoreUnderTest): void {
  describe(`swarm store contract: ${name}`, () => {
    let store: SwarmStore
    afterEach(async () => { await store.close() })

    it('stores peers, counts them, and chooses among them, never the announcer', async () => {
      store = await subject.open()
      assert.deepEqual(await store.announce(peer(1, { complete: true }), ALL), { complete: 1, incomplete: 0, peers: [] })
      await store.announce(peer(2), ALL)
      const third = await store.announce(peer(3), ALL)
      assert.ok(third !== null)
      assert.equal(third.complete, 1)
      assert.equal(third.incomplete, 2)
      assert.deepEqual(addresses(third.peers), ['10.0.0.1:6001', '10.0.0.1:6002'])
      const seeder = third.peers.find((p) => p.port === 6001)
      assert.equal(seeder?.complete, true)
      assert.equal(seeder?.peerId, hexId(1, 'aa'))
      assert.deepEqual([...Buffer.from(seeder?.compact ?? '', 'latin1')], [10, 0, 0, 1, 0x17, 0x71])
    })

    it('a re-announce from the same address refreshes the peer, and follows its state and peer id', async () => {
      store = await subject.open()
      await store.announce(peer(1), ALL)
      await store.announce(peer(1), ALL)
      const done = await store.announce(peer(1, { complete: true, peerId: hexId(9, 'aa') }), ALL)
      assert.deepEqual(done, { complete: 1, incomplete: 0, peers: [] })
      const other = await store.announce(peer(2), ALL)
      assert.equal(other?.peers[0]?.peerId, hexId(9, 'aa'))
      assert.equal(other?.peers.length, 1)
    })

    it('stopped takes the peer out', async () => {
      store = await subject.open()
      await store.announce(peer(1), ALL)
      await store.announce(peer(2, { complete: true }), ALL)
      const stopped = await store.announce(peer(2, { complete: true, stopped: true }), ALL)
      assert.deepEqual(stopped && { complete: stopped.complete, incomplete: stopped.incomplete }, { complete: 0, incomplete: 1 })
      assert.deepEqual(addresses((await store.announce(peer(3), ALL))?.peers ?? []), ['10.0.0.1:6001'])
    })

    it('caps the choice at numwant, picks at random, and keeps only what canHandOut accepts', async () => {
      store = await subject.open()
      for (let n = 1; n <= 30; n++) await store.announce(peer(n, { complete: n % 2 === 0 }), ALL)
      const seen = new Set<number>()
      for (let round = 0; round < 20; round++) {
        const answer = await store.announce(peer(99), { numwant: 5, canHandOut: () => true })
        assert.equal(answer?.peers.length, 5)
        for (const p of answer?.peers ?? []) seen.add(p.port)
      }
      assert.ok(seen.size > 10, `random choice: ${seen.size} distinct peers in 20 answers of 5`)
      const even = await store.announce(peer(99), { numwant: 50, canHandOut: (p) => p.port % 2 === 0 })
      assert.equal(even?.peers.length, 15)
      assert.ok(even?.peers.every((p) => p.complete))
      assert.deepEqual((await store.announce(peer(99), { numwant: 0, canHandOut: () => true }))?.peers, [])
    })

    it('keeps IPv6 peers with an 18-byte compact form', async () => {
      store = await subject.open()
      await store.announce(peer(1, { ip: '2001:db8::1', port: 443 }), ALL)
      const answer = await store.announce(peer(2), ALL)
      assert.equal(answer?.peers[0]?.ip, '2001:db8::1')
      assert.equal(answer?.peers[0]?.compact.length, 18)
      assert.deepEqual([...Buffer.from(answer?.peers[0]?.compact ?? '', 'latin1').subarray(16)], [1, 187])
    })

    it('scrapes swarms with live peers only, and totals every swarm', async () => {
      store = await subject.open()
      await store.announce(peer(1, { complete: true }), ALL)
      await store.announce(peer(2), ALL)
      await store.announce(peer(3, { infoHash: hexId(2) }), ALL)
      const scraped = await store.scrape([hexId(1), hexId(2), hexId(3)])
      assert.deepEqual([...scraped], [[hexId(1), { complete: 1, incomplete: 1 }], [hexId(2), { complete: 0, incomplete: 1 }]])
      assert.deepEqual(await store.totals(), { swarms: 2, seeders: 1, leechers: 2 })
    })

    it('removeSwarm drops every peer at once and refuses later announces', async () => {
      store = await subject.open()
      await store.announce(peer(1), ALL)
      await store.announce(peer(2, { infoHash: hexId(2) }), ALL)
      await store.removeSwarm(hexId(1))
      assert.deepEqual([...await store.scrape([hexId(1)])], [])
      assert.equal(await store.announce(peer(3), ALL), null)
      assert.deepEqual([...await store.scrape([hexId(1)])], [])
      assert.deepEqual(await store.totals(), { swarms: 1, seeders: 0, leechers: 1 })
    })

    it('forgets a peer not heard from for a peer lifetime', async () => {
      store = await subject.open(300)
      await store.announce(peer(1), ALL)
      await store.announce(peer(2, { infoHash: hexId(2) }), ALL)
      await eventually('the peers to expire', 5000, async () => (await store.scrape([hexId(1), hexId(2)])).size === 0 ? true : undefined)
      assert.deepEqual((await store.announce(peer(3), ALL))?.peers, [])
      await eventually('the other swarm to be gone', 5000, async () => (await store.totals()).swarms === 1 ? true : undefined)
    })
  })
}
