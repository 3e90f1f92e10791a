import assert from 'node:assert/strict'
import { chooseSlotToFree, type SlotHolder } from '../src/fair-slots.ts'

const slot = (infoHash: string, origin: string, fetching = false): SlotHolder => ({ infoHash, origin, fetching })

describe('the active set shared fairly between origins', function () {
  it('with one origin, frees its least recently used seeding slot, as before', function () {
    assert.equal(chooseSlotToFree([slot('a1', 'a'), slot('a2', 'a')], 'a', 2), 'a1')
    assert.equal(chooseSlotToFree([slot('a1', 'a', true), slot('a2', 'a')], 'a', 2), 'a2', 'a fetch under way is never freed')
    assert.equal(chooseSlotToFree([slot('a1', 'a', true), slot('a2', 'a', true)], 'a', 2), undefined, 'only fetches: wait')
  })

  it('a busy origin holding every slot gives one up to another origin, not its least recently used neighbour\'s', function () {
    // b's slot is the least recently used, but a holds three of four: a is above its share (2), b is not.
    const slots = [slot('b1', 'b'), slot('a1', 'a'), slot('a2', 'a'), slot('a3', 'a')]
    assert.equal(chooseSlotToFree(slots, 'b', 4), 'a1')
    assert.equal(chooseSlotToFree(slots, 'c', 4), 'a1', 'a third origin too')
  })

  it('an origin at or above its share takes room only from itself, or waits', function () {
    const slots = [slot('b1', 'b'), slot('b2', 'b'), slot('a1', 'a'), slot('a2', 'a')]
    // a asks for a third slot: its share is 2 of 4, it would hold 3: its own least recently used goes.
    assert.equal(chooseSlotToFree(slots, 'a', 4), 'a1')
    // Its own slots all fetching: it waits rather than take b below its share.
    assert.equal(chooseSlotToFree([slot('b1', 'b'), slot('b2', 'b'), slot('a1', 'a', true), slot('a2', 'a', true)], 'a', 4), undefined)
  })

  it('slots nobody else wants stay usable by one busy origin', function () {
    // b holds one slot, a three, of six: with a's new item a holds 4 > share 3, so its own oldest goes, never b's.
    const slots = [slot('b1', 'b'), slot('a1', 'a'), slot('a2', 'a'), slot('a3', 'a'), slot('a4', 'a'), slot('a5', 'a')]
    assert.equal(chooseSlotToFree(slots, 'a', 6), 'a1')
  })
})
