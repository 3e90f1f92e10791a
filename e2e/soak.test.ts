// The short form of the soak (bench/soak.ts runs the long one): the same
// real origin process and the same checked load for 15 s. It holds the
// behaviour — every request answered right, memory within a generous bound —
// not the figures, which bench/RESULTS.md reports.

import assert from 'node:assert/strict'
import { runSoak, SOAK_DEFAULTS } from '../bench/soak-run.ts'

/** RSS may grow this much over 15 s: the warm-up (swarms filling, V8's heap reaching its working size) takes about 100 MB. */
const RSS_GROWTH_BOUND_MB = 150

describe('e2e: soak, short form', function () {
  this.timeout(180_000)

  it('answers 15 s of HTTP and WebSocket announces and ranged GETs without an error, within the RSS bound', async function () {
    const result = await runSoak({ ...SOAK_DEFAULTS, seconds: 15, warmupSeconds: 3 })
    assert.deepEqual(Object.fromEntries(Object.entries(result.kinds).map(([name, kind]) => [name, kind.errors])), { announce: {}, 'ws-announce': {}, media: {} })
    for (const [name, kind] of Object.entries(result.kinds)) assert.ok(kind.ok > 0, `no ${name} answered`)
    const growth = result.rss.endMb - result.rss.startMb
    assert.ok(growth < RSS_GROWTH_BOUND_MB, `RSS grew ${growth.toFixed(1)} MB in ${result.durationSeconds} s (from ${result.rss.startMb} MB)`)
  })
})
