import assert from 'node:assert/strict'
import { chooseEvictions, itemValue, type EvictionCandidate } from '../src/eviction.ts'

const HOUR = 3_600_000
const now = 100 * HOUR
const item = (infoHash: string, size: number, requests: number, demandedAgoH: number, completedAgoH: number | null): EvictionCandidate =>
  ({ infoHash, size, requests, demandedAt: now - demandedAgoH * HOUR, completedAt: completedAgoH === null ? null : now - completedAgoH * HOUR })

describe('eviction', function () {
  it('values demand times recency', function () {
    assert.ok(itemValue(item('a', 1, 10, 0, 5), now) > itemValue(item('b', 1, 1, 0, 5), now))
    assert.ok(itemValue(item('a', 1, 10, 0, 5), now) > itemValue(item('c', 1, 10, 48, 50), now))
    assert.equal(itemValue(item('d', 1, 3, 24, 30), now), 2)
  })

  it('evicts the least valuable first, just enough to free the bytes', function () {
    const items = [item('hot', 100, 50, 0, 10), item('cold', 100, 0, 30, 40), item('warm', 100, 5, 1, 10)]
    assert.deepEqual(chooseEvictions(items, 50, now, HOUR)?.map((i) => i.infoHash), ['cold'])
    assert.deepEqual(chooseEvictions(items, 150, now, HOUR)?.map((i) => i.infoHash), ['cold', 'warm'])
    assert.deepEqual(chooseEvictions(items, 0, now, HOUR), [])
  })

  it('never evicts items younger than the minimum lifetime or still fetching', function () {
    const items = [item('young', 100, 0, 0, 0.5), item('fetching', 100, 0, 50, null), item('old', 100, 0, 50, 50)]
    assert.deepEqual(chooseEvictions(items, 100, now, HOUR)?.map((i) => i.infoHash), ['old'])
    assert.equal(chooseEvictions(items, 150, now, HOUR), null)
  })
})
