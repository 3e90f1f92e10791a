import assert from 'node:assert/strict'
import { chooseFairEvictions, type FairCandidate } from '../src/fair-eviction.ts'

const HOUR = 3_600_000
const now = 100 * HOUR
/** A complete item, old enough to evict, of `requests` demand. */
const item = (infoHash: string, origin: string, size: number, requests = 0): FairCandidate =>
  ({ infoHash, origin, size, requests, demandedAt: now - HOUR, completedAt: now - 10 * HOUR })
const ids = (chosen: FairCandidate[] | null): string[] | null => chosen?.map((i) => i.infoHash) ?? null

describe('fair share of the quota', function () {
  it('with one origin, evicts the least valuable items as before', function () {
    const items = [item('a1', 'A', 100, 5), item('a2', 'A', 100, 0), item('a3', 'A', 100, 9)]
    assert.deepEqual(ids(chooseFairEvictions(items, { origin: 'A', size: 100 }, 300, now, HOUR)), ['a2'])
    assert.deepEqual(ids(chooseFairEvictions(items, { origin: 'A', size: 50 }, 400, now, HOUR)), [])
  })

  it('a newcomer takes room from the origin above its share, even when its items are worth more', function () {
    // A fills the quota with popular items; B's first item must still fit: A is above its share (150 of 300).
    const items = [item('a1', 'A', 100, 50), item('a2', 'A', 100, 40), item('a3', 'A', 100, 30), item('b1', 'B', 10, 0)]
    assert.deepEqual(ids(chooseFairEvictions(items, { origin: 'B', size: 90 }, 310, now, HOUR)), ['a3'])
  })

  it('a busy origin above its share evicts its own items, not those of an origin within its share', function () {
    // Quota 300: A holds 200, B 100 (worth nothing); A wants 100 more. A's share is 150: it pays with its own.
    const items = [item('a1', 'A', 100, 9), item('a2', 'A', 100, 8), item('b1', 'B', 100, 0)]
    assert.deepEqual(ids(chooseFairEvictions(items, { origin: 'A', size: 100 }, 300, now, HOUR)), ['a2'])
  })

  it('refuses a busy origin that could only fit by pushing another below its share', function () {
    // A's own items are too young to evict; B (within its share) keeps its room.
    const young = (infoHash: string): FairCandidate => ({ ...item(infoHash, 'A', 100), completedAt: now })
    const items = [young('a1'), young('a2'), item('b1', 'B', 100, 0)]
    assert.equal(chooseFairEvictions(items, { origin: 'A', size: 100 }, 300, now, HOUR), null)
  })

  it('an origin within its share falls back to the least valuable items when no room above a share can be freed', function () {
    // Quota 400, three origins: share 133. A is above its share, but its one item would take it to nothing.
    const items = [item('a1', 'A', 250, 90), item('b1', 'B', 100, 1), item('c1', 'C', 50, 0)]
    assert.deepEqual(ids(chooseFairEvictions(items, { origin: 'C', size: 40 }, 400, now, HOUR)), ['c1'])
    assert.deepEqual(ids(chooseFairEvictions(items, { origin: 'C', size: 60 }, 400, now, HOUR)), ['c1', 'b1'])
  })
})
