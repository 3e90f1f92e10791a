// The pure parts of the tracker benchmark's load: how the fill is shared
// between tracker processes on one store, how the connections are, and how
// the load generators' latency percentiles are merged.

import assert from 'node:assert/strict'
import fc from 'fast-check'
import { fillShares, mergedQuantile, splitConnections } from '../bench/tracker-requests.ts'

describe('bench: the tracker\'s fill and connections shared between processes', function () {
  it('announces every peer of every swarm exactly once, peer j through process j mod the processes', function () {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), (swarms, peersPerSwarm, processes) => {
      const seen = new Map<string, number>()
      for (const [p, share] of fillShares(swarms, peersPerSwarm, processes).entries()) {
        for (let i = 0; i < share.amount; i++) {
          const { swarm, peer } = share.next()
          assert.equal(peer % processes, p)
          const key = `${swarm}/${peer}`
          seen.set(key, (seen.get(key) ?? 0) + 1)
        }
      }
      assert.equal(seen.size, swarms * peersPerSwarm)
      for (const count of seen.values()) assert.equal(count, 1)
    }))
  })

  it('gives every swarm of more than one peer peers through more than one process', function () {
    const byProcess = fillShares(3, 5, 2).map((share) => Array.from({ length: share.amount }, () => share.next()))
    for (let swarm = 0; swarm < 3; swarm++) {
      assert.deepEqual(byProcess.map((announces) => announces.filter((a) => a.swarm === swarm).map((a) => a.peer)), [[0, 2, 4], [1, 3]])
    }
  })

  it('re-announces a peer of its own share when asked past its amount', function () {
    const [share] = fillShares(2, 3, 1)
    for (let i = 0; i < share!.amount; i++) share!.next()
    assert.deepEqual(share!.next(), { swarm: 0, peer: 0 })
  })

  it('deals out every connection, as evenly as whole numbers allow, each process at least one', function () {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 200 }), (parts, extra) => {
      const split = splitConnections(parts + extra, parts)
      assert.equal(split.length, parts)
      assert.equal(split.reduce((a, b) => a + b, 0), parts + extra)
      assert.ok(Math.max(...split) - Math.min(...split) <= 1 && Math.min(...split) >= 1)
    }))
    assert.deepEqual(splitConnections(50, 2), [25, 25])
    assert.throws(() => splitConnections(1, 2), /cannot split 1 connections between 2/)
  })
})

describe('bench: the tracker\'s latency percentiles merged over load generators', function () {
  /** 1001 percentiles (0 to 100 % by 0.1 %) of `values`, as wrk reports them. */
  const percentilesOf = (values: number[]): number[] => {
    const sorted = [...values].sort((a, b) => a - b)
    return Array.from({ length: 1001 }, (_, i) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(i / 1000 * sorted.length) - 1))]!)
  }

  it('gives one run\'s own percentiles back', function () {
    const percentiles = Array.from({ length: 1001 }, (_, i) => 100 + i)
    assert.equal(mergedQuantile([{ requests: 5000, percentiles }], 0.5), 600)
    assert.equal(mergedQuantile([{ requests: 5000, percentiles }], 0.99), 1090)
    assert.equal(mergedQuantile([{ requests: 5000, percentiles }], 0), 100)
    assert.equal(mergedQuantile([{ requests: 5000, percentiles }], 1), 1100)
  })

  it('weights each run by its requests, not by its percentiles', function () {
    const fast = { requests: 9000, percentiles: new Array<number>(1001).fill(1000) }
    const slow = { requests: 1000, percentiles: new Array<number>(1001).fill(5000) }
    // 90 % of the requests took 1 ms: the median and the 90th percentile are 1 ms, the 91st and the 99th 5 ms.
    assert.equal(mergedQuantile([fast, slow], 0.5), 1000)
    assert.equal(mergedQuantile([fast, slow], 0.9), 1000)
    assert.equal(mergedQuantile([fast, slow], 0.91), 5000)
    assert.equal(mergedQuantile([fast, slow], 0.99), 5000)
    // Equal runs of unequal latency: the median is the faster one's.
    assert.equal(mergedQuantile([{ ...fast, requests: 1000 }, slow], 0.5), 1000)
    assert.equal(mergedQuantile([{ ...fast, requests: 1000 }, slow], 0.51), 5000)
  })

  it('leaves out runs of no requests, and is 0 with none at all', function () {
    const run = { requests: 10, percentiles: Array.from({ length: 1001 }, (_, i) => i) }
    assert.equal(mergedQuantile([run, { requests: 0, percentiles: new Array<number>(1001).fill(1e9) }], 0.99), mergedQuantile([run], 0.99))
    assert.equal(mergedQuantile([], 0.5), 0)
    assert.equal(mergedQuantile([{ requests: 0, percentiles: [] }], 0.5), 0)
    assert.throws(() => mergedQuantile([run], 1.5), /not between 0 and 1/)
  })

  it('is close to the quantile of all requests together', function () {
    fc.assert(fc.property(
      fc.array(fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 4 }),
      fc.constantFrom(0.5, 0.9, 0.99),
      (runs, q) => {
        const all = runs.flat().sort((a, b) => a - b)
        const merged = mergedQuantile(runs.map((values) => ({ requests: values.length, percentiles: percentilesOf(values) })), q)
        // Each run's percentiles are its values at 0.1 % steps: the merged quantile lies within 0.1 % of the requests (and one value) of the exact one.
        const rank = (value: number): { below: number, atOrBelow: number } => ({ below: all.filter((v) => v < value).length, atOrBelow: all.filter((v) => v <= value).length })
        const { below, atOrBelow } = rank(merged)
        const slack = all.length * 0.001 + runs.length
        assert.ok(below <= q * all.length + slack && atOrBelow >= q * all.length - slack, `merged ${merged}: ${below} below and ${atOrBelow} at or below of ${all.length}, q ${q}`)
      }
    ))
  })
})
