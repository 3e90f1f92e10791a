// An origin that stays unreachable: the seeder's log says so once with the
// stack, then one short line per retry with a count, and names the origin once per line.

import assert from 'node:assert/strict'
import { pino } from 'pino'
import { eventually, freePort } from '@fedswarm/testkit'
import { startSeederFixture, type SeederFixture } from './seeder-fixture.ts'

interface Line { msg: string, origin?: string, err?: { stack?: string }, failures?: number }

describe('the seeder\'s log while an origin is unreachable', function () {
  this.timeout(30_000)
  let f: SeederFixture | undefined
  const raw: string[] = []

  after(async function () {
    await f?.stop()
  })

  it('one stack, then one line per retry with a count; the key origin once per line', async function () {
    const origin = `http://127.0.0.1:${await freePort()}`
    const log = pino({ level: 'info' }, { write: (line: string) => { raw.push(line) } })
    f = await startSeederFixture([origin], {}, { log })
    const failed = (): Line[] => raw.map((line) => JSON.parse(line) as Line).filter((line) => line.msg.startsWith('registration failed'))
    // Retries 1 s, then 2 s apart.
    await eventually('three failed registrations', 10_000, async () => failed().length >= 3 ? true : undefined)
    const [first, second, third] = failed()
    assert.equal(first!.origin, origin)
    assert.match(first!.err?.stack ?? '', /\n\s+at /, 'the first failure has its stack')
    for (const [line, count] of [[second!, 2], [third!, 3]] as const) {
      assert.equal(line.err, undefined, 'no stack again')
      assert.equal(line.failures, count)
      assert.equal(line.origin, origin)
    }
    for (const line of raw) assert.ok((line.match(/"origin":/g) ?? []).length <= 1, `the key origin repeated: ${line}`)
  })
})
