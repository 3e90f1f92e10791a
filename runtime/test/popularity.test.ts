import assert from 'node:assert/strict'
import { createPopularity } from '@fedswarm/runtime'

describe('popularity', function () {
  it('counts requests and halves them every half-life', function () {
    let now = 0
    const popularity = createPopularity({ halfLifeMs: 1000, now: () => now })
    for (let i = 0; i < 4; i++) popularity.record('a')
    assert.equal(popularity.score('a'), 4)
    now = 1000
    assert.equal(popularity.score('a'), 2)
    assert.equal(popularity.record('a'), 3)
    assert.equal(popularity.score('unknown'), 0)
  })

  it('ranks by decayed score: a burst long ago loses to a few requests now', function () {
    let now = 0
    const popularity = createPopularity({ halfLifeMs: 1000, now: () => now })
    for (let i = 0; i < 8; i++) popularity.record('old')
    now = 4000
    popularity.record('new')
    popularity.record('new')
    assert.deepEqual(popularity.top(2).map((entry) => entry.id), ['new', 'old'])
    assert.equal(popularity.top(1).length, 1)
  })

  it('stays bounded under a flood of distinct ids, keeping the hottest', function () {
    const popularity = createPopularity({ maxTracked: 100, now: () => 0 })
    for (let i = 0; i < 50; i++) popularity.record('hot')
    for (let i = 0; i < 1000; i++) popularity.record(`id-${i}`)
    assert.ok(popularity.top(10_000).length <= 100)
    assert.equal(popularity.top(1)[0]?.id, 'hot')
  })

  it('forgets an id', function () {
    const popularity = createPopularity()
    popularity.record('a')
    popularity.forget('a')
    assert.equal(popularity.score('a'), 0)
  })
})
