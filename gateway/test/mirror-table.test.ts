import assert from 'node:assert/strict'
import { pino } from 'pino'
import { createMirrorTable, type HoldingRow } from '../src/mirrors/mirror-table.ts'
import type { MirrorRow } from '../src/seeders/instances-repository.ts'

const ITEM = 'a'.repeat(40)
const OTHER = 'b'.repeat(40)

const row = (domain: string, status: 'active' | 'stale' = 'active'): MirrorRow =>
  ({ domain, publicUrl: `http://${domain}`, status, capacity: null, serverAddresses: null, seenAddresses: [] })
const holding = (domain: string, infoHash: string, complete = true): HoldingRow => ({ domain, infoHash, id: infoHash.slice(0, 26), complete, canary: false })
const copy = (infoHash: string, complete = true): { id: string, complete: boolean, canary: boolean } => ({ id: infoHash.slice(0, 26), complete, canary: false })

describe('the mirror table: a seeder\'s report applied without a read of the database', function () {
  it('adds a fetch under way, completes it, and removes a copy the seeder no longer has, with the capacity it states', function () {
    const table = createMirrorTable({ log: pino({ level: 'silent' }), now: () => 0 })
    table.apply({ rows: [row('a')], holdings: [holding('a', OTHER)] })
    table.get('a')!.holdings.get(OTHER)!.verified = true

    assert.equal(table.report({ domain: 'a', infoHash: ITEM, holding: copy(ITEM, false), capacity: 1000 }), true)
    assert.deepEqual(table.holders(ITEM).map((m) => m.domain), ['a'])
    assert.equal(table.get('a')!.holdings.get(ITEM)!.complete, false)
    assert.equal(table.get('a')!.capacity, 1000)

    table.report({ domain: 'a', infoHash: ITEM, holding: copy(ITEM, true), capacity: null })
    const whole = table.get('a')!.holdings.get(ITEM)!
    assert.equal(whole.complete, true)
    assert.equal(whole.verified, false, 'a completed fetch is verified like any new copy')
    assert.equal(table.get('a')!.capacity, null)

    table.report({ domain: 'a', infoHash: ITEM, holding: copy(ITEM, false), capacity: null })
    assert.equal(table.get('a')!.holdings.get(ITEM)!.complete, true, 'a copy already whole stays whole, as in the database')

    table.report({ domain: 'a', infoHash: OTHER, holding: null, capacity: null })
    assert.deepEqual(table.holders(OTHER), [])
    assert.equal(table.get('a')!.holdings.has(OTHER), false)
  })

  it('a later read keeps the verdict on a reported copy', function () {
    const table = createMirrorTable({ log: pino({ level: 'silent' }), now: () => 0 })
    table.apply({ rows: [row('a')], holdings: [] })
    table.report({ domain: 'a', infoHash: ITEM, holding: copy(ITEM), capacity: null })
    table.get('a')!.holdings.get(ITEM)!.verified = true
    table.apply({ rows: [row('a')], holdings: [holding('a', ITEM)] })
    assert.equal(table.get('a')!.holdings.get(ITEM)!.verified, true)
  })

  it('leaves to a read a seeder it does not know or that is not active, and ignores a deleted item', function () {
    const table = createMirrorTable({ log: pino({ level: 'silent' }), now: () => 0 })
    table.apply({ rows: [row('stale', 'stale')], holdings: [] })
    assert.equal(table.report({ domain: 'new', infoHash: ITEM, holding: copy(ITEM), capacity: null }), false)
    assert.equal(table.report({ domain: 'stale', infoHash: ITEM, holding: copy(ITEM), capacity: null }), false)
    assert.deepEqual(table.holders(ITEM), [])

    table.apply({ rows: [row('a')], holdings: [] })
    table.forget(ITEM)
    assert.equal(table.report({ domain: 'a', infoHash: ITEM, holding: copy(ITEM), capacity: null }), true)
    assert.deepEqual(table.holders(ITEM), [], 'a report racing a deletion does not bring the item back')
  })
})
