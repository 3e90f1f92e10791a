import assert from 'node:assert/strict'
import { pino } from 'pino'
import { createMirrorChoice, FILLING_SHARE } from '../src/mirrors/mirror-choice.ts'
import { CANARY_PENDING_MS, createMirrorTable, type HoldingRow, type MirrorTable } from '../src/mirrors/mirror-table.ts'
import type { MirrorRow } from '../src/seeders/instances-repository.ts'

const ITEM = 'a'.repeat(40)
const OTHER = 'b'.repeat(40)
const CANARY = 'c'.repeat(40)

const row = (domain: string, status: 'active' | 'stale' = 'active', claim: Pick<MirrorRow, 'serverAddresses' | 'seenAddresses'> = { serverAddresses: null, seenAddresses: [] }): MirrorRow =>
  ({ domain, publicUrl: `http://${domain}`, status, capacity: null, ...claim })
const holding = (domain: string, infoHash: string, complete = true, canary = false): HoldingRow => ({ domain, infoHash, id: infoHash.slice(0, 26), complete, canary })

/** A table read from `rows` and `holdings`, with the copies named in `verified` (domain/infoHash) passed. */
function tableOf (rows: MirrorRow[], holdings: HoldingRow[], verified: string[]): MirrorTable {
  const table = createMirrorTable({ log: pino({ level: 'silent' }), now: () => 0 })
  table.apply({ rows, holdings })
  for (const name of verified) {
    const [domain, infoHash] = name.split('/') as [string, string]
    table.get(domain)!.holdings.get(infoHash)!.verified = true
  }
  return table
}

describe('the choice of a mirror (a table in memory, no sockets)', function () {
  it('sends fetchers to verified copies only, never to a stale mirror, and lists them best first', async function () {
    const table = tableOf([row('a'), row('b'), row('c', 'stale')], [holding('a', ITEM), holding('b', ITEM), holding('c', ITEM)], [`a/${ITEM}`, `c/${ITEM}`])
    const choice = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: () => true })
    assert.deepEqual(choice.urls(ITEM), [`http://a/media/${ITEM}`])
    for (let i = 0; i < 20; i++) assert.equal(await choice.choose(ITEM, 1000, 0), `http://a/media/${ITEM}`)
  })

  it('while no copy is whole, sends fetchers to a trusted fetch under way, asking for a progressive answer', async function () {
    const table = tableOf([row('trusted'), row('new')], [holding('trusted', OTHER), holding('trusted', ITEM, false), holding('new', ITEM, false)], [`trusted/${OTHER}`])
    const choice = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: () => true })
    assert.deepEqual(choice.urls(ITEM), [], 'a fetch under way is never listed')
    for (let i = 0; i < 20; i++) assert.equal(await choice.choose(ITEM, 1000, 0), `http://trusted/media/${ITEM}?progressive=1`)
  })

  it('waits, while trusted mirrors exist, for one to report a fetch, and gives up after the wait', async function () {
    const rows = [row('trusted')]
    const table = tableOf(rows, [holding('trusted', OTHER)], [`trusted/${OTHER}`])
    const choice = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: () => true })
    const waiting = choice.choose(ITEM, 1000, 10_000)
    table.apply({ rows, holdings: [holding('trusted', OTHER), holding('trusted', ITEM, false)] })
    choice.changed()
    assert.equal(await waiting, `http://trusted/media/${ITEM}?progressive=1`)

    assert.equal(await choice.choose(OTHER.replace(/b/g, 'c'), 1000, 20), undefined, 'no report within the wait')
    const stopped = choice.choose(OTHER.replace(/b/g, 'd'), 1000, 10_000)
    choice.stop()
    assert.equal(await stopped, undefined)
  })

  it('spreads waiting fetchers over the fetches under way as they report, at most FILLING_SHARE items each, the rest by backlog at the wait\'s end', async function () {
    const rows = [row('first'), row('second')]
    const trusted = [holding('first', OTHER), holding('second', OTHER)]
    const table = tableOf(rows, trusted, [`first/${OTHER}`, `second/${OTHER}`])
    // A clock that moves a millisecond at each look: a backlog drains a little between two choices, as between two requests.
    let t = 0
    const choice = createMirrorChoice({ table, random: Math.random, now: () => t++, isTarget: () => true })
    const fetchers = 2 * FILLING_SHARE + 1
    const settled: string[] = []
    const waiting = Array.from({ length: fetchers }, () => choice.choose(ITEM, 1_000_000, 300).then((url) => { settled.push(url ?? 'none'); return url }))
    await new Promise((resolve) => setImmediate(resolve))
    const reported = (...filling: string[]): void => {
      table.apply({ rows, holdings: [...trusted, ...filling.map((domain) => holding(domain, ITEM, false))] })
      for (const name of ['first', 'second']) table.get(name)!.holdings.get(OTHER)!.verified = true
      choice.changed()
    }
    reported('first')
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(settled, Array(FILLING_SHARE).fill(`http://first/media/${ITEM}?progressive=1`), 'the first report takes its share, the others wait on')
    reported('first', 'second')
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(settled.length, 2 * FILLING_SHARE)
    assert.equal(settled.filter((url) => url.startsWith('http://second/')).length, FILLING_SHARE)
    const urls = await Promise.all(waiting)
    assert.ok(urls.every((url) => url !== undefined && url.endsWith('?progressive=1')), 'the last one goes to a fetch under way at the end of its wait, not to the origin')
  })

  it('a passed canary makes its mirror trusted for fetches under way, and is never a mirror itself', async function () {
    const table = tableOf([row('new')], [holding('new', CANARY, true, true), holding('new', ITEM, false)], [`new/${CANARY}`])
    table.get('new')!.canaryPassed = true
    const choice = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: () => true })
    assert.deepEqual(choice.urls(CANARY), [])
    assert.equal(await choice.choose(CANARY, 1000, 0), undefined)
    assert.equal(await choice.choose(ITEM, 1000, 0), `http://new/media/${ITEM}?progressive=1`)
    assert.equal(table.status('new').verifiedItems, 0, 'a canary is no item')
    // Trust outlives the canary (removed quietly once expired): only a failed check takes it away.
    table.apply({ rows: [row('new')], holdings: [holding('new', ITEM, false)] })
    assert.equal(table.status('new').trusted, true)
  })

  it('waits for a mirror whose canary is being checked, but not once that has taken too long', async function () {
    const rows = [row('joining')]
    const pending = [holding('joining', CANARY, false, true)]
    const table = tableOf(rows, pending, [])
    let t = 0
    const choice = createMirrorChoice({ table, random: Math.random, now: () => t, isTarget: () => true })
    const waiting = choice.choose(ITEM, 1000, 10_000)
    table.apply({ rows, holdings: [...pending, holding('joining', ITEM, false)] })
    table.get('joining')!.canaryPassed = true
    choice.changed()
    assert.equal(await waiting, `http://joining/media/${ITEM}?progressive=1`)

    const stuck = tableOf(rows, pending, [])
    t = CANARY_PENDING_MS
    const late = createMirrorChoice({ table: stuck, random: Math.random, now: () => t, isTarget: () => true })
    assert.equal(await late.choose(ITEM, 1000, 60_000), undefined, 'a canary never reported is not waited for')
  })

  it('never waits when no mirror has earned trust', async function () {
    const table = tableOf([row('new')], [holding('new', OTHER)], [])
    const choice = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: () => true })
    assert.equal(await choice.choose(ITEM, 1000, 60_000), undefined)
  })

  it('sends plain fetchers to redirect targets only, and lists every verified mirror for SDK clients', async function () {
    const table = tableOf([row('listed'), row('other')], [holding('listed', ITEM), holding('other', ITEM), holding('other', OTHER, false)], [`listed/${ITEM}`, `other/${ITEM}`])
    const choice = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: (url) => url === 'http://listed' })
    for (let i = 0; i < 20; i++) assert.equal(await choice.choose(ITEM, 1000, 0), `http://listed/media/${ITEM}`)
    assert.deepEqual(new Set(choice.urls(ITEM)), new Set([`http://listed/media/${ITEM}`, `http://other/media/${ITEM}`]))
    assert.equal(await choice.choose(OTHER, 1000, 0), undefined, 'a trusted fetch under way on a seeder that is not a target is not used')
    const none = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: () => false })
    assert.equal(await none.choose(ITEM, 1000, 60_000), undefined, 'and no wait when no target has earned trust')
  })

  describe('locality: a GET from a server\'s addresses goes to its own seeder', function () {
    const claim = (declared: string[] | null, seen: string[] = []): Pick<MirrorRow, 'serverAddresses' | 'seenAddresses'> => ({ serverAddresses: declared, seenAddresses: seen })

    it('sends it to the seeder whose claim covers the address when it holds a verified copy or a trusted fetch', function () {
      const table = tableOf(
        [row('home', 'active', claim(['203.0.113.0/24'], ['8.8.4.4'])), row('far')],
        [holding('home', ITEM), holding('home', OTHER, false), holding('far', ITEM)],
        [`home/${ITEM}`, `far/${ITEM}`])
      const choice = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: () => true })
      assert.equal(choice.local(ITEM, 1000, '203.0.113.9'), `http://home/media/${ITEM}`)
      assert.equal(choice.local(ITEM, 1000, '::ffff:8.8.4.4'), `http://home/media/${ITEM}`)
      assert.equal(choice.local(OTHER, 1000, '203.0.113.9'), `http://home/media/${OTHER}?progressive=1`)
      assert.equal(choice.local(ITEM, 1000, '198.51.100.1'), undefined, 'an address no seeder claims')
      assert.equal(choice.local(ITEM.replace(/a/g, 'e'), 1000, '203.0.113.9'), undefined, 'an item the seeder does not have')
    })

    it('not to a seeder whose copy is unchecked, whose fetch is not trusted, or that is stale', function () {
      const table = tableOf(
        [row('new', 'active', claim(['203.0.113.0/24'])), row('stale', 'stale', claim(['198.51.100.0/24']))],
        [holding('new', ITEM), holding('new', OTHER, false), holding('stale', ITEM)],
        [`stale/${ITEM}`])
      const choice = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: () => true })
      assert.equal(choice.local(ITEM, 1000, '203.0.113.9'), undefined)
      assert.equal(choice.local(OTHER, 1000, '203.0.113.9'), undefined)
      assert.equal(choice.local(ITEM, 1000, '198.51.100.9'), undefined)
    })

    it('counts only the seen addresses of a seeder that is not a target, and cancels overlapping claims', function () {
      const rows = [row('stranger', 'active', claim(['203.0.113.0/24'], ['8.8.4.4'])), row('listed', 'active', claim(['198.51.100.0/24']))]
      const holdings = [holding('stranger', ITEM), holding('listed', ITEM)]
      const table = tableOf(rows, holdings, [`stranger/${ITEM}`, `listed/${ITEM}`])
      const choice = createMirrorChoice({ table, random: Math.random, now: () => 0, isTarget: (url) => !url.startsWith('http://stranger') })
      assert.equal(choice.local(ITEM, 1000, '203.0.113.9'), undefined)
      assert.equal(choice.local(ITEM, 1000, '8.8.4.4'), `http://stranger/media/${ITEM}`)
      assert.equal(choice.local(ITEM, 1000, '198.51.100.9'), `http://listed/media/${ITEM}`)

      table.apply({ rows: [...rows, row('rival', 'active', claim(['198.51.100.0/25'])), row('stranger2', 'active', claim(['198.51.100.128/25']))], holdings })
      assert.equal(choice.local(ITEM, 1000, '198.51.100.9'), `http://listed/media/${ITEM}`, 'the index follows the table once told it changed')
      choice.changed()
      assert.equal(choice.local(ITEM, 1000, '198.51.100.9'), undefined, 'an overlapping claim cancels both')
      assert.equal(choice.local(ITEM, 1000, '198.51.100.200'), `http://listed/media/${ITEM}`, 'outside the overlap the claim holds, and a stranger\'s declared prefix does not overlap anything')
    })
  })
})
