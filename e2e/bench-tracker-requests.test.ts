// The pure parts of the tracker benchmark's load: how the fill is shared
// between tracker processes on one store, and how the connections are.

import assert from 'node:assert/strict'
import fc from 'fast-check'
import { fillShares, splitConnections } from '../bench/tracker-requests.ts'

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
