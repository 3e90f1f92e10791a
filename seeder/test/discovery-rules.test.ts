import assert from 'node:assert/strict'
import { entryTarget, MAX_DOMAIN_LIST_BYTES, parseDomainList } from '../src/domain-list.ts'
import { allowedToHelp, chooseOrigins, isFilterEntry } from '../src/origin-filter.ts'
import { dueProbes, PROBE_POLICY, probeStartOffset, type ProbeRecord } from '../src/probe-schedule.ts'

const DAY = 24 * 3_600_000

describe('discovery rules', function () {
  describe('the domain list', function () {
    it('takes bare domains over https and full URLs without a path', function () {
      assert.equal(entryTarget('Social.Example', false), 'https://social.example')
      assert.equal(entryTarget('social.example:8443', false), 'https://social.example:8443')
      assert.equal(entryTarget('https://social.example/', false), 'https://social.example')
      assert.equal(entryTarget('xn--bcher-kva.example', false), 'https://xn--bcher-kva.example')
    })

    it('takes http only where private addresses are allowed', function () {
      assert.equal(entryTarget('http://127.0.0.1:8080', false), undefined)
      assert.equal(entryTarget('http://127.0.0.1:8080', true), 'http://127.0.0.1:8080')
    })

    it('drops garbage entries one by one and counts them', function () {
      const garbage = [42, null, {}, '', 'localhost', 'a b.example', 'social.example/path', 'user@social.example', 'https://social.example/path',
        'https://social.example?q=1', 'ftp://social.example', 'javascript:alert(1)', 'x'.repeat(400) + '.example', 'https://u:p@social.example']
      const result = parseDomainList(Buffer.from(JSON.stringify(['a.example', ...garbage, 'b.example', 'a.example'])), false)
      assert.deepEqual(result, { ok: true, list: { targets: ['https://a.example', 'https://b.example'], dropped: garbage.length } })
    })

    it('refuses a list that is not JSON, not an array, or too large', function () {
      assert.deepEqual(parseDomainList(Buffer.from('<html>'), false), { ok: false, reason: 'not JSON' })
      assert.deepEqual(parseDomainList(Buffer.from('{"peers": []}'), false), { ok: false, reason: 'not a JSON array of domains' })
      const huge = parseDomainList(Buffer.alloc(MAX_DOMAIN_LIST_BYTES + 1, 0x20), false)
      assert.equal(huge.ok, false)
      assert.match(huge.ok ? '' : huge.reason, /larger than/)
    })
  })

  describe('whom to help', function () {
    const origins = ['https://a.example', 'https://media.b.example', 'http://127.0.0.1:8001', 'http://127.0.0.1:8002']

    it('never-help wins over help-only; a domain covers its subdomains; host:port names one server', function () {
      assert.deepEqual(origins.filter((o) => allowedToHelp(o, { helpOnly: [], neverHelp: ['b.example', '127.0.0.1:8002'] })), ['https://a.example', 'http://127.0.0.1:8001'])
      assert.deepEqual(origins.filter((o) => allowedToHelp(o, { helpOnly: ['b.example', '127.0.0.1'], neverHelp: ['127.0.0.1:8001'] })), ['https://media.b.example', 'http://127.0.0.1:8002'])
      assert.equal(allowedToHelp('https://notb.example', { helpOnly: ['b.example'], neverHelp: [] }), false)
    })

    it('follows configured origins first, then discovered ones in the order found, up to the bound', function () {
      const filter = { helpOnly: [], neverHelp: ['c.example'] }
      assert.deepEqual(chooseOrigins(['https://z.example'], ['https://c.example', 'https://y.example', 'https://z.example', 'https://x.example'], filter, 3), [
        { origin: 'https://z.example', how: 'configured' },
        { origin: 'https://y.example', how: 'discovered' },
        { origin: 'https://x.example', how: 'discovered' }
      ])
      assert.deepEqual(chooseOrigins(['https://z.example'], ['https://y.example'], filter, 1), [{ origin: 'https://z.example', how: 'configured' }])
    })

    it('knows a filter entry from garbage', function () {
      for (const entry of ['example.org', 'media.example.org', '127.0.0.1:8080', 'localhost']) assert.ok(isFilterEntry(entry), entry)
      for (const entry of ['https://example.org', 'Example.org', '*.example.org', 'a/b', '']) assert.ok(!isFilterEntry(entry), entry)
    })
  })

  describe('the probe schedule', function () {
    const now = 100 * DAY
    const records = new Map<string, ProbeRecord>([
      ['https://no-recent.example', { checkedAt: now - DAY / 2, origin: null }],
      ['https://no-old.example', { checkedAt: now - 2 * DAY, origin: null }],
      ['https://no-older.example', { checkedAt: now - 3 * DAY, origin: null }],
      ['https://yes-recent.example', { checkedAt: now - 2 * DAY, origin: 'https://yes-recent.example' }],
      ['https://yes-old.example', { checkedAt: now - 8 * DAY, origin: 'https://yes-old.example' }]
    ])

    it('probes new domains first, then the stale ones oldest first; remembers a no for a day and a yes for a week', function () {
      const targets = ['https://no-recent.example', 'https://new1.example', 'https://no-old.example', 'https://yes-recent.example', 'https://yes-old.example', 'https://no-older.example', 'https://new2.example']
      assert.deepEqual(dueProbes(targets, records, now), ['https://new1.example', 'https://new2.example', 'https://yes-old.example', 'https://no-older.example', 'https://no-old.example'])
      assert.equal(PROBE_POLICY.negativeTtlMs, DAY)
    })

    it('spreads 50,000 probes over time instead of a burst', function () {
      const perSecond = 20
      const starts = Array.from({ length: 50_000 }, (_, i) => probeStartOffset(i, perSecond))
      for (let second = 0; second < 10; second++) assert.equal(starts.filter((t) => t >= second * 1000 && t < (second + 1) * 1000).length, perSecond)
      assert.ok(starts.at(-1)! > 40 * 60_000 && starts.at(-1)! < 3_600_000)
    })
  })
})
