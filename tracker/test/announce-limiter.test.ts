import assert from 'node:assert/strict'
import { createAnnounceLimiter, createKeyedTokenBuckets } from '../src/announce-limiter.ts'

describe('keyed token buckets', () => {
  it('spends the burst, then refills at the rate, never above the burst', () => {
    let now = 0
    const buckets = createKeyedTokenBuckets({ burst: 2, perSecond: 4 }, () => now)
    assert.equal(buckets.take('a'), true)
    assert.equal(buckets.take('a'), true)
    assert.equal(buckets.take('a'), false)
    assert.equal(buckets.take('b'), true, 'keys are independent')
    now += 250
    assert.equal(buckets.take('a'), true)
    assert.equal(buckets.take('a'), false)
    now += 10_000
    assert.equal(buckets.take('a'), true)
    assert.equal(buckets.take('a'), true)
    assert.equal(buckets.take('a'), false)
  })

  it('forgets keys idle long enough to be full again', () => {
    let now = 0
    const buckets = createKeyedTokenBuckets({ burst: 1, perSecond: 1 }, () => now)
    buckets.take('a')
    buckets.take('b')
    assert.equal(buckets.size, 2)
    now += 1000
    buckets.take('c')
    assert.equal(buckets.size, 1)
  })

  it('drops the stalest key past maxKeys', () => {
    const buckets = createKeyedTokenBuckets({ burst: 1, perSecond: 0.001 }, () => 0, 2)
    buckets.take('a')
    buckets.take('b')
    buckets.take('a') // refused, but now the freshest
    buckets.take('c')
    assert.equal(buckets.size, 2)
    assert.equal(buckets.take('a'), false, 'a was kept')
    assert.equal(buckets.take('b'), true, 'b was dropped, so it starts full')
  })

  it('refuses rates that would never refill', () => {
    assert.throws(() => createKeyedTokenBuckets({ burst: 0, perSecond: 1 }, Date.now), RangeError)
    assert.throws(() => createKeyedTokenBuckets({ burst: 1, perSecond: 0 }, Date.now), RangeError)
  })
})

describe('announce limiter', () => {
  it('applies both budgets, and only the per-IP one without an info hash', () => {
    const limiter = createAnnounceLimiter({ perIp: { burst: 3, perSecond: 1 }, perIpAndInfoHash: { burst: 1, perSecond: 1 } }, () => 0)
    assert.equal(limiter.allow('1.2.3.4', 'h1'), true)
    assert.equal(limiter.allow('1.2.3.4', 'h1'), false)
    assert.equal(limiter.allow('1.2.3.4', null), true)
    assert.equal(limiter.allow('1.2.3.4', 'h2'), false, 'the per-IP budget is spent')
    assert.equal(limiter.allow('5.6.7.8', 'h1'), true)
  })

  it('gives each peer behind one address its own torrent budget, within the address budget', () => {
    const limiter = createAnnounceLimiter({ perIp: { burst: 3, perSecond: 1 }, perIpAndInfoHash: { burst: 1, perSecond: 1 } }, () => 0)
    assert.equal(limiter.allow('1.2.3.4', 'h1', 'peer-a'), true)
    assert.equal(limiter.allow('1.2.3.4', 'h1', 'peer-a'), false)
    assert.equal(limiter.allow('1.2.3.4', 'h1', 'peer-b'), true)
    assert.equal(limiter.allow('1.2.3.4', 'h1', 'peer-c'), false, 'the per-IP budget is spent')
  })
})
