import assert from 'node:assert/strict'
import { createUploadTally } from '../src/upload-tally.ts'
import { announce, hexId, startTracker, type TestTracker } from './helpers.ts'

describe('tracker: what peers say they uploaded', () => {
  describe('the tally of cumulative figures', () => {
    it('counts each announce\'s growth once, from a started peer', () => {
      const tally = createUploadTally()
      assert.equal(tally.record('a', 'p', 0, 'started'), 0)
      assert.equal(tally.record('a', 'p', 500, undefined), 500)
      assert.equal(tally.record('a', 'p', 500, undefined), 0)
      assert.equal(tally.record('a', 'p', 800, 'stopped'), 300)
      // Stopped, then back: a new session from zero.
      assert.equal(tally.record('a', 'p', 40, 'started'), 40)
    })

    it('never counts twice the figure of a peer first heard mid-session, and takes a drop to zero as a restart', () => {
      const tally = createUploadTally()
      assert.equal(tally.record('a', 'p', 9_000, undefined), 0)
      assert.equal(tally.record('a', 'p', 9_100, undefined), 100)
      assert.equal(tally.record('a', 'p', 50, undefined), 50)
    })

    it('keeps peers apart per swarm, forgets a dropped swarm, and forgets the least recent past its bound', () => {
      const tally = createUploadTally(2)
      tally.record('a', 'p', 0, 'started')
      tally.record('b', 'p', 0, 'started')
      assert.equal(tally.record('a', 'p', 10, undefined), 10)
      tally.drop('a')
      assert.equal(tally.record('a', 'p', 20, undefined), 0)
      tally.record('c', 'q', 0, 'started')
      // 'b:p' was the least recently heard of three: forgotten.
      assert.equal(tally.record('b', 'p', 70, undefined), 0)
    })
  })

  describe('over HTTP announces', () => {
    let t: TestTracker
    const heard: Array<[string, number]> = []
    const infoHash = hexId(7)

    beforeEach(async () => {
      heard.length = 0
      t = await startTracker({ onPeerUpload: (peerId, bytes) => heard.push([peerId, bytes]) })
      t.tracker.allow(infoHash)
    })
    afterEach(async () => { await t.close() })

    it('tells the bytes each peer sent since its previous announce, and shows the swarm of one info hash', async () => {
      const seed = hexId(200, 'aa')
      const leech = hexId(201, 'aa')
      await announce(t.base, { infoHash, peerId: seed, port: 6001, left: 0, event: 'started' })
      await announce(t.base, { infoHash, peerId: leech, port: 6002, event: 'started' })
      await announce(t.base, { infoHash, peerId: seed, port: 6001, left: 0, uploaded: 4096 })
      await announce(t.base, { infoHash, peerId: seed, port: 6001, left: 0, uploaded: 6144, event: 'stopped' })
      assert.deepEqual(heard, [[seed, 4096], [seed, 2048]])
      assert.deepEqual(await t.tracker.swarmOf(infoHash), { complete: 0, incomplete: 1 })
      assert.deepEqual(await t.tracker.swarmOf(hexId(8)), { complete: 0, incomplete: 0 })
    })

    it('counts nothing of a refused announce', async () => {
      await announce(t.base, { infoHash: hexId(9), peerId: hexId(202, 'aa'), port: 6003, uploaded: 100, event: 'started' })
      assert.deepEqual(heard, [])
    })
  })
})
