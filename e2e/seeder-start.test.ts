// What `fedswarm seeder` tells its admin at start: whether each origin took
// its registration, and, on one machine, the setting that makes it work.

import assert from 'node:assert/strict'
import { eventually } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

describe('fedswarm seeder at start, beside an origin on the same machine', function () {
  this.timeout(90_000)
  const started: DaemonProcess[] = []
  async function origin (env: Record<string, string>): Promise<OriginProcess> {
    const o = await startOriginProcess({ env, timeoutMs: 60_000 })
    started.push(o)
    return o
  }
  async function seeder (originUrl: string): Promise<DaemonProcess> {
    const s = await startSeederProcess({ env: { FEDSWARM_ORIGINS: originUrl }, timeoutMs: 60_000 })
    started.push(s)
    return s
  }
  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const p of started) console.error(p.output())
  })
  after(async function () {
    await Promise.all(started.map(async (p) => await p.stop()))
  })

  it('an origin that refuses a loopback seeder: the seeder says so, naming FEDSWARM_ALLOW_PRIVATE_ADDRESSES, and not that it helps', async function () {
    const o = await origin({})
    const s = await seeder(o.url)
    const line = await eventually('the registration line', 20_000, async () => /^cannot register with .*$/m.exec(s.output())?.[0])
    assert.ok(line.startsWith(`cannot register with ${o.url}: `), line)
    assert.match(line, /not a public address.*FEDSWARM_ALLOW_PRIVATE_ADDRESSES=true/, line)
    assert.doesNotMatch(s.output(), /helping/)
  })

  it('an origin set to accept it: the seeder says it registered and helps it', async function () {
    const o = await origin({ FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' })
    const s = await seeder(o.url)
    await eventually('the registration line', 20_000, async () => s.output().includes(`registered with ${o.url}: helping it`) ? true : undefined)
    assert.doesNotMatch(s.output(), /cannot register/)
  })
})
