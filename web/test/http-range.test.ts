import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decideRange, type RangeDecision } from '@fedswarm/web'

const partial = (...ranges: Array<[number, number]>): RangeDecision =>
  ({ kind: 'partial', ranges: ranges.map(([start, end]) => ({ start, end })) })
const FULL: RangeDecision = { kind: 'full' }
const UNSATISFIABLE: RangeDecision = { kind: 'unsatisfiable' }

describe('decideRange (RFC 9110 §14)', function () {
  const size = 1000

  it('sends the whole representation without a Range header', function () {
    assert.deepEqual(decideRange(undefined, size), FULL)
  })

  it('answers a closed range with exactly those bytes', function () {
    assert.deepEqual(decideRange('bytes=0-99', size), partial([0, 99]))
    assert.deepEqual(decideRange('bytes=0-0', size), partial([0, 0]))
    assert.deepEqual(decideRange('bytes=999-999', size), partial([999, 999]))
  })

  it('answers an open range with the rest of the representation', function () {
    assert.deepEqual(decideRange('bytes=100-', size), partial([100, 999]))
    assert.deepEqual(decideRange('bytes=0-', size), partial([0, 999]))
  })

  it('answers a suffix range with the last N bytes, the whole when N exceeds the size', function () {
    assert.deepEqual(decideRange('bytes=-100', size), partial([900, 999]))
    assert.deepEqual(decideRange('bytes=-1000', size), partial([0, 999]))
    assert.deepEqual(decideRange('bytes=-5000', size), partial([0, 999]))
  })

  it('clamps a last position past the end to the last byte', function () {
    assert.deepEqual(decideRange('bytes=900-5000', size), partial([900, 999]))
    assert.deepEqual(decideRange('bytes=0-1000', size), partial([0, 999]))
  })

  it('refuses a first position at or past the end as unsatisfiable', function () {
    assert.deepEqual(decideRange('bytes=1000-', size), UNSATISFIABLE)
    assert.deepEqual(decideRange('bytes=1000-2000', size), UNSATISFIABLE)
    assert.deepEqual(decideRange('bytes=5000-6000', size), UNSATISFIABLE)
  })

  it('refuses a zero-length suffix as unsatisfiable', function () {
    assert.deepEqual(decideRange('bytes=-0', size), UNSATISFIABLE)
  })

  it('refuses a range whose last position is before its first', function () {
    assert.deepEqual(decideRange('bytes=5-2', size), UNSATISFIABLE)
    assert.deepEqual(decideRange('bytes=0-9,5-2', size), UNSATISFIABLE)
  })

  it('refuses malformed byte ranges', function () {
    for (const header of ['bytes=abc', 'bytes=', 'bytes=-', 'bytes=1-2-3', 'bytes=0x10-20', 'bytes=1.5-2', 'bytes=+1-2', 'bytes=0-9,abc', 'bytes= , ,']) {
      assert.deepEqual(decideRange(header, size), UNSATISFIABLE, header)
    }
  })

  it('ignores other range units and a header without a unit', function () {
    for (const header of ['items=0-1', 'pages=1-2', '0-99', 'byte=0-1', 'bytesx=0-1', '']) {
      assert.deepEqual(decideRange(header, size), FULL, header)
    }
  })

  it('takes the unit case-insensitively and tolerates optional whitespace', function () {
    assert.deepEqual(decideRange('Bytes=0-9', size), partial([0, 9]))
    assert.deepEqual(decideRange('BYTES=0-9', size), partial([0, 9]))
    assert.deepEqual(decideRange('  bytes = 0 - 9 ', size), partial([0, 9]))
    assert.deepEqual(decideRange('bytes=0-9 ,  20-29', size), partial([0, 9], [20, 29]))
    assert.deepEqual(decideRange('bytes=0-9,,20-29,', size), partial([0, 9], [20, 29]))
  })

  it('keeps disjoint ranges apart, in ascending order', function () {
    assert.deepEqual(decideRange('bytes=0-9,100-109', size), partial([0, 9], [100, 109]))
    assert.deepEqual(decideRange('bytes=100-109,0-9', size), partial([0, 9], [100, 109]))
    assert.deepEqual(decideRange('bytes=0-9,-10', size), partial([0, 9], [990, 999]))
  })

  it('coalesces overlapping and adjacent ranges', function () {
    assert.deepEqual(decideRange('bytes=0-9,5-20', size), partial([0, 20]))
    assert.deepEqual(decideRange('bytes=0-9,10-19', size), partial([0, 19]))
    assert.deepEqual(decideRange('bytes=10-19,0-9,20-29', size), partial([0, 29]))
    assert.deepEqual(decideRange('bytes=0-99,10-20', size), partial([0, 99]))
    assert.deepEqual(decideRange('bytes=0-9,0-9,0-9', size), partial([0, 9]))
    assert.deepEqual(decideRange('bytes=950-,-100', size), partial([900, 999]))
    assert.deepEqual(decideRange('bytes=0-9,12-15,11-11', size), partial([0, 9], [11, 15]))
  })

  it('drops unsatisfiable ranges of a set that has a satisfiable one', function () {
    assert.deepEqual(decideRange('bytes=0-9,5000-6000', size), partial([0, 9]))
    assert.deepEqual(decideRange('bytes=2000-,-0,10-19', size), partial([10, 19]))
  })

  it('sends the whole representation for more than 16 ranges', function () {
    const sixteen = Array.from({ length: 16 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')
    const seventeen = Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')
    const sixteenDecision = decideRange(`bytes=${sixteen}`, size)
    assert.equal(sixteenDecision.kind, 'partial')
    assert.equal(sixteenDecision.kind === 'partial' && sixteenDecision.ranges.length, 16)
    assert.deepEqual(decideRange(`bytes=${seventeen}`, size), FULL)
    assert.deepEqual(decideRange(`bytes=${Array.from({ length: 1000 }, () => '0-0').join(',')}`, size), FULL)
  })

  it('never answers positions beyond the safe integers with bytes that do not exist', function () {
    assert.deepEqual(decideRange('bytes=99999999999999999999-', size), UNSATISFIABLE)
    assert.deepEqual(decideRange('bytes=99999999999999999999-99999999999999999999', size), UNSATISFIABLE)
    assert.deepEqual(decideRange(`bytes=${'9'.repeat(400)}-`, size), UNSATISFIABLE)
  })

  it('clamps a huge last position or suffix length like any other past the end', function () {
    assert.deepEqual(decideRange('bytes=0-99999999999999999999', size), partial([0, 999]))
    assert.deepEqual(decideRange('bytes=10-18446744073709551615', size), partial([10, 999]))
    assert.deepEqual(decideRange('bytes=-99999999999999999999', size), partial([0, 999]))
  })

  it('never answers a partial range of an empty representation', function () {
    for (const header of ['bytes=0-', 'bytes=0-0', 'bytes=-1', 'bytes=-0', 'bytes=5-9']) {
      assert.notEqual(decideRange(header, 0).kind, 'partial', header)
    }
    assert.deepEqual(decideRange(undefined, 0), FULL)
    assert.deepEqual(decideRange('items=0-1', 0), FULL)
  })

  it('answers a one-byte representation', function () {
    assert.deepEqual(decideRange('bytes=0-', 1), partial([0, 0]))
    assert.deepEqual(decideRange('bytes=-1', 1), partial([0, 0]))
    assert.deepEqual(decideRange('bytes=-9', 1), partial([0, 0]))
    assert.deepEqual(decideRange('bytes=1-', 1), UNSATISFIABLE)
  })

  describe('properties', function () {
    /** A syntactically valid single byte-range-spec: closed, open or suffix. */
    const singleRange = (sizeArb: fc.Arbitrary<number>): fc.Arbitrary<{ size: number, header: string, expected: { start: number, end: number } | undefined }> =>
      sizeArb.chain((n) => fc.oneof(
        fc.tuple(fc.nat({ max: 2 * n }), fc.nat({ max: 2 * n })).map(([a, b]) => {
          const [first, last] = a <= b ? [a, b] : [b, a]
          return { size: n, header: `bytes=${first}-${last}`, expected: first < n ? { start: first, end: Math.min(last, n - 1) } : undefined }
        }),
        fc.nat({ max: 2 * n }).map((first) => ({ size: n, header: `bytes=${first}-`, expected: first < n ? { start: first, end: n - 1 } : undefined })),
        fc.integer({ min: 1, max: 2 * n }).map((suffix) => ({ size: n, header: `bytes=-${suffix}`, expected: { start: Math.max(0, n - suffix), end: n - 1 } }))
      ))

    it('answers any valid single range within [0, size-1] with start ≤ end, exactly as the RFC says', function () {
      fc.assert(fc.property(singleRange(fc.integer({ min: 1, max: 1_000_000 })), ({ size: n, header, expected }) => {
        const decision = decideRange(header, n)
        if (expected === undefined) {
          assert.deepEqual(decision, UNSATISFIABLE)
          return
        }
        assert.equal(decision.kind, 'partial')
        if (decision.kind !== 'partial') return
        assert.equal(decision.ranges.length, 1)
        for (const range of decision.ranges) {
          assert.ok(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end))
          assert.ok(range.start >= 0 && range.end <= n - 1 && range.start <= range.end, `${header} → ${JSON.stringify(range)}`)
        }
        assert.deepEqual(decision.ranges[0], expected)
      }), { numRuns: 500 })
    })

    it('answers any set of ranges with sorted, disjoint, non-adjacent ranges inside the representation', function () {
      const rangeSpec = fc.oneof(
        fc.tuple(fc.nat({ max: 3000 }), fc.nat({ max: 3000 })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.nat({ max: 3000 }).map((a) => `${a}-`),
        fc.nat({ max: 3000 }).map((a) => `-${a}`)
      )
      fc.assert(fc.property(fc.integer({ min: 1, max: 2000 }), fc.array(rangeSpec, { minLength: 1, maxLength: 20 }), (n, specs) => {
        const decision = decideRange(`bytes=${specs.join(',')}`, n)
        if (decision.kind !== 'partial') return
        assert.ok(decision.ranges.length >= 1 && decision.ranges.length <= 16)
        let previousEnd = -2
        for (const range of decision.ranges) {
          assert.ok(range.start >= 0 && range.start <= range.end && range.end <= n - 1)
          assert.ok(range.start > previousEnd + 1, `ranges not coalesced: ${JSON.stringify(decision.ranges)}`)
          previousEnd = range.end
        }
      }), { numRuns: 300 })
    })

    it('never throws, whatever the header', function () {
      fc.assert(fc.property(fc.string({ maxLength: 64 }), fc.nat({ max: 1_000_000 }), (text, n) => {
        for (const header of [text, `bytes=${text}`]) {
          const decision = decideRange(header, n)
          assert.ok(['full', 'partial', 'unsatisfiable'].includes(decision.kind))
          if (decision.kind === 'partial') {
            for (const range of decision.ranges) assert.ok(range.start >= 0 && range.start <= range.end && range.end <= n - 1)
          }
        }
      }), { numRuns: 300 })
    })
  })
})
