import assert from 'node:assert/strict'
import { parseOriginConfig } from '@fedswarm/gateway'
import { isRedirectTarget } from '../src/mirrors/redirect-targets.ts'
import {
  checkRange, CORRUPT_QUARANTINE_MS, decayedFailures, drainBacklog, dropsMirror, FAILURE_HALF_LIFE_MS, MAX_RETRY_MS, mirrorWeights, pickWeighted, pieceRange, planVerification, UNREPORTED_CAPACITY,
  retryDelayMs, type MirrorCandidate
} from '../src/mirrors/mirror-policy.ts'
import { allowsLocal, alwaysServedHere, decideRedirect, JUST_HOT_MS, redirectRequestOf, redirectWaitMs, type RedirectInput } from '../src/mirrors/redirect-policy.ts'

/** A deterministic source of "random" numbers. */
function sequence (...values: number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]!
}

describe('redirect decision table', function () {
  const base: RedirectInput = { method: 'GET', range: false, conditional: false, direct: false, policy: 'hot', minSize: 256 * 1024, size: 1024 * 1024, hot: true }

  it('redirects a plain GET of a large hot item, and serves everything else directly', function () {
    const cases: Array<[Partial<RedirectInput>, string]> = [
      [{}, 'redirect'],
      [{ policy: 'off' }, 'off'],
      [{ method: 'HEAD' }, 'method'],
      [{ range: true }, 'range'],
      [{ conditional: true }, 'conditional'],
      [{ direct: true }, 'direct'],
      [{ size: 256 * 1024 - 1 }, 'small'],
      [{ size: 256 * 1024 }, 'redirect'],
      [{ hot: false }, 'not_hot'],
      [{ hot: false, policy: 'always' }, 'redirect'],
      [{ policy: 'always', range: true }, 'range'],
      [{ policy: 'always', size: 10 }, 'small'],
      [{ policy: 'off', method: 'HEAD', range: true }, 'off']
    ]
    for (const [change, expected] of cases) assert.equal(decideRedirect({ ...base, ...change }), expected, JSON.stringify(change))
  })

  it('lets a server\'s own seeder take what only size or coldness keeps here, nothing else', function () {
    const cases: Array<[Partial<RedirectInput>, boolean]> = [
      [{}, true],
      [{ size: 10 }, true],
      [{ hot: false }, true],
      [{ policy: 'off' }, false],
      [{ method: 'HEAD' }, false],
      [{ range: true }, false],
      [{ conditional: true }, false],
      [{ direct: true }, false]
    ]
    for (const [change, expected] of cases) assert.equal(allowsLocal(decideRedirect({ ...base, ...change })), expected, JSON.stringify(change))
  })

  it('serves here, by the hot path\'s shortcut, only what the table serves here and keeps from the server\'s own seeder', function () {
    const headerSets = [{}, { range: 'bytes=0-16383' }, { 'if-none-match': '"x"' }, { range: 'bytes=5-', 'if-range': '"x"' }]
    for (const policy of ['off', 'hot', 'always'] as const) {
      for (const method of ['GET', 'HEAD']) {
        for (const headers of headerSets) {
          for (const query of [{}, { direct: '1' }]) {
            for (const hot of [false, true]) {
              for (const size of [10, 1024 * 1024]) {
                const decision = decideRedirect({ ...redirectRequestOf(method, headers, query), policy, minSize: 256 * 1024, size, hot })
                if (!alwaysServedHere(policy, headers)) continue
                assert.notEqual(decision, 'redirect', JSON.stringify({ policy, method, headers, query, hot, size }))
                assert.equal(allowsLocal(decision), false, JSON.stringify({ policy, method, headers, query, hot, size }))
              }
            }
          }
        }
      }
    }
    assert.equal(alwaysServedHere('hot', { range: 'bytes=0-1' }), true)
    assert.equal(alwaysServedHere('off', {}), true)
    assert.equal(alwaysServedHere('hot', {}), false)
  })

  it('reads Range, conditionals and ?direct=1 from a request', function () {
    assert.deepEqual(redirectRequestOf('GET', {}, {}), { method: 'GET', range: false, conditional: false, direct: false })
    assert.equal(redirectRequestOf('GET', { range: 'bytes=0-' }, {}).range, true)
    for (const name of ['if-none-match', 'if-modified-since', 'if-match', 'if-range']) {
      assert.equal(redirectRequestOf('GET', { [name]: 'x' }, {}).conditional, true, name)
    }
    assert.equal(redirectRequestOf('GET', {}, { direct: '1' }).direct, true)
    assert.equal(redirectRequestOf('GET', {}, { direct: 'true' }).direct, true)
    assert.equal(redirectRequestOf('GET', {}, { direct: '0' }).direct, false)
  })

  it('waits for a mirror only in the first minute after an item became hot', function () {
    const hotAt = new Date(1_000_000)
    assert.equal(redirectWaitMs(hotAt, hotAt.getTime(), 2000), 2000)
    assert.equal(redirectWaitMs(hotAt, hotAt.getTime() + JUST_HOT_MS - 1, 2000), 2000)
    assert.equal(redirectWaitMs(hotAt, hotAt.getTime() + JUST_HOT_MS, 2000), 0)
    assert.equal(redirectWaitMs(null, hotAt.getTime(), 2000), 0)
  })

  it('is configured by FEDSWARM_REDIRECT, FEDSWARM_REDIRECT_MIN_SIZE, FEDSWARM_REDIRECT_WAIT and FEDSWARM_MIRROR_CHECK_INTERVAL', function () {
    assert.deepEqual(parseOriginConfig({}).redirects, { policy: 'hot', to: [], minSize: 256 * 1024, waitMs: 6000, checkIntervalMs: 60_000, uploadCapacity: undefined })
    assert.deepEqual(parseOriginConfig({ FEDSWARM_REDIRECT: 'off', FEDSWARM_REDIRECT_MIN_SIZE: '1MB', FEDSWARM_REDIRECT_WAIT: '0', FEDSWARM_MIRROR_CHECK_INTERVAL: '200ms' }).redirects,
      { policy: 'off', to: [], minSize: 1024 * 1024, waitMs: 0, checkIntervalMs: 200, uploadCapacity: undefined })
    assert.throws(() => parseOriginConfig({ FEDSWARM_REDIRECT_WAIT: '9s' }), /FEDSWARM_REDIRECT_WAIT/)
    assert.equal(parseOriginConfig({ FEDSWARM_REDIRECT: 'always' }).redirects.policy, 'always')
    assert.throws(() => parseOriginConfig({ FEDSWARM_REDIRECT: 'sometimes' }), /FEDSWARM_REDIRECT/)
    assert.throws(() => parseOriginConfig({ FEDSWARM_MIRROR_CHECK_INTERVAL: '10ms' }), /FEDSWARM_MIRROR_CHECK_INTERVAL/)
  })

  it('sends plain fetchers nowhere until FEDSWARM_REDIRECT_TO names seeders, matched as FEDSWARM_ACCEPT_SEEDERS matches them', function () {
    const targetsOf = (env: Record<string, string>) => {
      const config = parseOriginConfig(env)
      return (url: string): boolean => isRedirectTarget(config.redirects.to, config.acceptSeeders, url)
    }
    const none = targetsOf({})
    assert.equal(none('https://seeder.example'), false)
    const listed = targetsOf({ FEDSWARM_REDIRECT_TO: 'Seeder.example, other.example:8443' })
    assert.deepEqual(parseOriginConfig({ FEDSWARM_REDIRECT_TO: 'Seeder.example, other.example:8443' }).redirects.to, [{ host: 'seeder.example', port: undefined }, { host: 'other.example', port: 8443 }])
    assert.equal(listed('https://seeder.example'), true)
    assert.equal(listed('http://seeder.example:8090'), true, 'a host alone matches any port')
    assert.equal(listed('https://other.example:8443'), true)
    assert.equal(listed('https://other.example'), false)
    assert.equal(listed('https://stranger.example'), false)
    const any = targetsOf({ FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_ACCEPT_SEEDERS: 'seeder.example' })
    assert.equal(any('https://seeder.example'), true)
    assert.equal(any('https://stranger.example'), false, 'any-accepted: accepted now, not merely registered once')
    assert.equal(targetsOf({ FEDSWARM_REDIRECT_TO: 'seeder.example', FEDSWARM_ACCEPT_SEEDERS: 'other.example' })('https://seeder.example'), false)
    for (const bad of ['any accepted', 'seeder.example:99999', 'https://seeder.example', ',']) {
      assert.throws(() => parseOriginConfig({ FEDSWARM_REDIRECT_TO: bad }), /^ConfigError: invalid FEDSWARM_REDIRECT_TO: .*any-accepted/, bad)
    }
  })
})

describe('mirror weights and choice', function () {
  const mirror = (change: Partial<MirrorCandidate> = {}): MirrorCandidate => ({ status: 'active', verified: true, capacity: null, failures: 0, ...change })

  it('never weighs a stale mirror or an unverified copy', function () {
    assert.deepEqual(mirrorWeights([mirror({ status: 'stale' }), mirror({ verified: false }), mirror()]), [0, 0, UNREPORTED_CAPACITY])
    assert.deepEqual(mirrorWeights([mirror({ status: 'stale', capacity: 1e9 })]), [0])
    assert.equal(pickWeighted(mirrorWeights([mirror({ status: 'stale' }), mirror({ verified: false })]), Math.random), undefined)
    for (let i = 0; i < 200; i++) assert.equal(pickWeighted(mirrorWeights([mirror({ status: 'stale' }), mirror(), mirror({ verified: false })]), Math.random), 1)
  })

  it('weighs by free capacity: bytes just sent a mirror\'s way count against it until drained at its capacity', function () {
    assert.deepEqual(mirrorWeights([mirror({ capacity: 100, backlog: 300 }), mirror({ capacity: 100 })]), [25, 100])
    assert.equal(drainBacklog(1000, 0, 2000, 100), 800)
    assert.equal(drainBacklog(1000, 0, 20_000, 100), 0)
    assert.equal(drainBacklog(1000, 5000, 4000, 100), 1000, 'a clock that goes back drains nothing')
  })

  it('weighs by reported capacity; an unreported one counts as the median of those reported', function () {
    assert.deepEqual(mirrorWeights([mirror({ capacity: 100 }), mirror({ capacity: 300 })]), [100, 300])
    assert.deepEqual(mirrorWeights([mirror({ capacity: 100 }), mirror({ capacity: 300 }), mirror()]), [100, 300, 200])
    assert.deepEqual(mirrorWeights([mirror(), mirror()]), [UNREPORTED_CAPACITY, UNREPORTED_CAPACITY])
    // A stale mirror's capacity does not move the median.
    assert.deepEqual(mirrorWeights([mirror({ capacity: 100 }), mirror({ status: 'stale', capacity: 900 }), mirror()]), [100, 0, 100])
  })

  it('lowers the weight of a mirror with recent failures', function () {
    const [clean, failed, twice] = mirrorWeights([mirror({ capacity: 100 }), mirror({ capacity: 100, failures: 1 }), mirror({ capacity: 100, failures: 2 })])
    assert.ok(clean! > failed! && failed! > twice! && twice! > 0)
    assert.equal(decayedFailures(2, 0, FAILURE_HALF_LIFE_MS), 1)
    assert.equal(decayedFailures(2, 0, 0), 2)
  })

  it('draws in proportion to the weights', function () {
    assert.equal(pickWeighted([1, 3], sequence(0)), 0)
    assert.equal(pickWeighted([1, 3], sequence(0.24)), 0)
    assert.equal(pickWeighted([1, 3], sequence(0.26)), 1)
    assert.equal(pickWeighted([0, 3, 0], sequence(0.999999)), 1)
    assert.equal(pickWeighted([], sequence(0.5)), undefined)
    const counts = [0, 0, 0]
    for (let i = 0; i < 10_000; i++) counts[pickWeighted([1, 2, 7], Math.random)!]!++
    assert.ok(Math.abs(counts[2]! / 10_000 - 0.7) < 0.03, `drawn ${counts.join(', ')}`)
  })
})

describe('mirror checks: failures and pieces', function () {
  it('drops a mirror from every item for any failure but a missing copy', function () {
    assert.equal(dropsMirror('missing'), false)
    for (const failure of ['unreachable', 'bad_response', 'corrupt'] as const) assert.equal(dropsMirror(failure), true)
  })

  it('backs off from the check interval, doubling, capped; altered bytes are quarantined for long', function () {
    assert.equal(retryDelayMs('unreachable', 1, 1000), 1000)
    assert.equal(retryDelayMs('unreachable', 3, 1000), 4000)
    assert.equal(retryDelayMs('unreachable', 50, 1000), MAX_RETRY_MS)
    assert.equal(retryDelayMs('corrupt', 1, 1000), CORRUPT_QUARANTINE_MS)
  })

  it('verifies the last piece and random others, distinct and in order', function () {
    assert.deepEqual(planVerification(1, Math.random), [0])
    assert.deepEqual(planVerification(3, Math.random), [0, 1, 2])
    assert.deepEqual(planVerification(100, sequence(0)), [0, 1, 99])
    for (let i = 0; i < 100; i++) {
      const plan = planVerification(10, Math.random)
      assert.equal(plan.length, 3)
      assert.equal(new Set(plan).size, 3)
      assert.equal(plan.at(-1), 9)
      assert.deepEqual(plan, [...plan].sort((a, b) => a - b))
    }
  })

  it('maps a piece to its byte range, the last one short', function () {
    assert.deepEqual(pieceRange(0, 16384, 40000), { start: 0, end: 16383 })
    assert.deepEqual(pieceRange(2, 16384, 40000), { start: 32768, end: 39999 })
  })

  it('asks a check for its piece within a random wider range, never outside the item', function () {
    // Margins of up to half a piece on each side: not a range of exactly one piece, which fetchers never ask for.
    assert.deepEqual(checkRange(1, 16384, 40000, sequence(0.5, 0.25)), { start: 16384 - 4096, end: 32767 + 2048 })
    assert.deepEqual(checkRange(0, 16384, 40000, sequence(0.99)), { start: 0, end: 16383 + 8110 })
    assert.deepEqual(checkRange(2, 16384, 40000, sequence(0, 0.99)), { start: 32768, end: 39999 })
    for (let i = 0; i < 200; i++) {
      const index = i % 3
      const range = checkRange(index, 16384, 40000, Math.random)
      const piece = pieceRange(index, 16384, 40000)
      assert.ok(range.start <= piece.start && range.end >= piece.end && range.start >= 0 && range.end <= 39999)
      assert.ok(range.end - range.start + 1 <= 2 * 16384)
    }
  })
})
