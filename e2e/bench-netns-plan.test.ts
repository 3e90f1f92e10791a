// The pure parts of the namespaced storm benchmark: names and addresses of its
// hosts, the tc cap, arrivals, the fluid bound with issue 18's numbers, the
// ratios and readings (kernel counters, /proc/stat) it reports, and the Mastodon give-up rule.

import assert from 'node:assert/strict'
import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { BLOCKS, bridgeAddress, bridgeName, freeBlock, hostAddress, hostName, linkCounters, MAX_HOSTS_PER_ROLE, mbit, ownerPid, runPrefix, uploadCapArgs, type HostRole } from '../bench/netns-plan.ts'
import { arrivalsMs, busyShare, cpuJiffies, crossingSeconds, dealOut, groupsFor, ratio } from '../bench/storm-netns-math.ts'
import { giveUpReason, MASTODON_LIMITS } from '../bench/mastodon-fetch.ts'
import { fluidLowerBound } from '../bench/storm.ts'

const BENCHMARKING = ipaddr.parseCIDR('198.18.0.0/15')
const roles: HostRole[] = ['origin', 'seeder', 'fetchers']
/** Linux's largest pid (pid_max on 64-bit). */
const PID_MAX = 4_194_304

describe('bench: the namespaced storm\'s plan', function () {
  it('names every namespace and link of a run with its prefix, short enough for Linux, and finds the owner again', function () {
    fc.assert(fc.property(fc.integer({ min: 1, max: PID_MAX }), fc.constantFrom(...roles), fc.integer({ min: 0, max: MAX_HOSTS_PER_ROLE - 1 }), (pid, role, index) => {
      const prefix = runPrefix(pid)
      const name = hostName(prefix, role, role === 'origin' ? 0 : index)
      assert.ok(name.startsWith(prefix) && name.length <= 15, name)
      assert.ok(bridgeName(prefix).length <= 15)
      assert.equal(ownerPid(name), pid)
      assert.equal(ownerPid(bridgeName(prefix)), pid)
    }))
    assert.equal(ownerPid('eth0'), undefined)
    assert.equal(ownerPid('docker0'), undefined)
  })

  it('takes every address from 198.18.0.0/15, each host its own, blocks apart', function () {
    assert.equal(hostAddress(0, 'origin', 0), '198.18.0.1')
    assert.equal(hostAddress(0, 'seeder', 4), '198.18.1.5')
    assert.equal(hostAddress(0, 'fetchers', 0), '198.18.2.1')
    assert.equal(bridgeAddress(0), '198.18.0.254')
    assert.equal(hostAddress(BLOCKS - 1, 'seeder', MAX_HOSTS_PER_ROLE - 1), '198.19.241.250')
    const seen = new Set<string>()
    for (let block = 0; block < BLOCKS; block++) {
      for (const address of [bridgeAddress(block), hostAddress(block, 'origin', 0), ...[0, MAX_HOSTS_PER_ROLE - 1].flatMap((i) => [hostAddress(block, 'seeder', i), hostAddress(block, 'fetchers', i)])]) {
        assert.ok(ipaddr.parse(address).match(BENCHMARKING), address)
        assert.equal(freeBlock([address]), block === 0 ? 1 : 0, `${address} is in block ${block}`)
        assert.ok(!seen.has(address), `${address} twice`)
        seen.add(address)
      }
    }
    assert.throws(() => hostAddress(0, 'origin', 1), /one origin/)
    assert.throws(() => hostAddress(0, 'seeder', MAX_HOSTS_PER_ROLE), /at most/)
    assert.throws(() => hostAddress(BLOCKS, 'seeder', 0), /block/)
  })

  it('picks the first block no address of this machine is in', function () {
    assert.equal(freeBlock([]), 0)
    assert.equal(freeBlock(['127.0.0.1', '10.0.0.2', '198.17.255.1']), 0)
    assert.equal(freeBlock(['198.18.0.254', '198.18.1.3']), 1)
    assert.equal(freeBlock(['198.18.0.254', '198.18.17.1']), 2)
    assert.equal(freeBlock(Array.from({ length: BLOCKS }, (_, b) => bridgeAddress(b))), undefined)
  })

  it('caps with a token bucket at the rate in bits, with at least 32 KiB of burst', function () {
    assert.equal(mbit(16), 2_000_000)
    assert.deepEqual(uploadCapArgs(mbit(16)), ['root', 'tbf', 'rate', '16000000bit', 'burst', '32768', 'latency', '100ms'])
    assert.equal(uploadCapArgs(100_000_000)[5], '400000')
    assert.throws(() => uploadCapArgs(0), /positive/)
  })
})

describe('bench: the namespaced storm\'s arithmetic', function () {
  it('gives issue 18\'s T_min for its storms (only hosts that upload count)', function () {
    const F = 8_000_000
    assert.equal(fluidLowerBound(20, F, mbit(16), 20, mbit(8)).toFixed(2), '7.27')
    assert.equal(fluidLowerBound(40, F, mbit(16), 20, mbit(8)).toFixed(2), '14.55')
    assert.equal(fluidLowerBound(20, F, mbit(40), 20, mbit(16)).toFixed(2), '3.56')
    assert.equal(fluidLowerBound(20, F, mbit(16), 0, 0), 80)
  })

  it('spreads arrivals evenly from the publish, or has all at once, and deals them out to hosts in turn', function () {
    assert.deepEqual(arrivalsMs(3, 0), [0, 0, 0])
    assert.deepEqual(arrivalsMs(4, 20), [0, 5000, 10_000, 15_000])
    assert.deepEqual(dealOut([1, 2, 3, 4, 5], 2), [[1, 3, 5], [2, 4]])
    assert.deepEqual(dealOut([1], 3), [[1]])
    assert.equal(groupsFor(40, 5), 8)
    assert.equal(groupsFor(2, 5), 1)
  })

  it('keeps ratios whole, so that a verdict sees 1.505 above 1.5, and leaves out the ones without a reference', function () {
    assert.equal(ratio(5.35, 160 / 45), 5.35 / (160 / 45))
    assert.ok(ratio(5.35, 160 / 45)! > 1.5)
    assert.equal(ratio(undefined, 2), undefined)
    assert.equal(ratio(Infinity, 2), undefined)
    assert.equal(ratio(1, 0), undefined)
  })

  it('reads each link\'s received and sent bytes from /proc/net/dev', function () {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 1023463    8306    0    0    0     0          0         0  1023463    8306    0    0    0     0       0          0',
      'fsb-7-s3: 8392011 5821 0 0 0 0 0 0 171234 2210 0 0 0 0 0 0'
    ].join('\n')
    const links = linkCounters(text)
    assert.deepEqual(links.get('lo'), { rx: 1_023_463, tx: 1_023_463 })
    assert.deepEqual(links.get('fsb-7-s3'), { rx: 8_392_011, tx: 171_234 })
    assert.equal(links.size, 2)
    assert.equal(linkCounters('eth0: 1 2 3\n').size, 0)
  })

  it('reads the busy share of the machine from two /proc/stat readings', function () {
    const before = cpuJiffies('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n')
    const after = cpuJiffies('cpu  200 0 100 850 50 0 0 0 0 0\ncpu0 1 2 3\n')
    assert.deepEqual(before, { total: 1000, busy: 150 })
    assert.equal(busyShare(before, after), 0.75)
    assert.throws(() => cpuJiffies('intr 1 2'), /no cpu line/)
  })

  it('finds when a counter crossed a threshold, between readings', function () {
    const samples = [{ at: 0, bytes: 0 }, { at: 1, bytes: 100 }, { at: 2, bytes: 300 }]
    assert.equal(crossingSeconds(samples, 200), 1.5)
    assert.equal(crossingSeconds(samples, 0), 0)
    assert.equal(crossingSeconds(samples, 301), undefined)
  })
})

describe('bench: a plain fetcher like Mastodon\'s', function () {
  const ok = { redirects: 2, longestReadGapMs: MASTODON_LIMITS.readTimeoutMs, longestHopMs: MASTODON_LIMITS.readDeadlineMs }

  it('keeps a fetch within 2 redirects, 10 s per read and 30 s per response', function () {
    assert.equal(giveUpReason(ok), undefined)
  })

  it('gives up a third redirect, a read waiting over 10 s, a response over 30 s', function () {
    assert.match(giveUpReason({ ...ok, redirects: 3 }) ?? '', /3 redirects/)
    assert.match(giveUpReason({ ...ok, longestReadGapMs: 10_001 }) ?? '', /read waited 10 s/)
    assert.match(giveUpReason({ ...ok, longestHopMs: 34_300 }) ?? '', /took 34.3 s/)
  })
})
