import assert from 'node:assert/strict'
import { abortableSleep, createTeardown } from '@fedswarm/runtime'

describe('teardown', function () {
  it('runs the steps last-added first, past a failing one, and only once', async function () {
    const ran: string[] = []
    const errors: unknown[] = []
    const teardown = createTeardown((err) => errors.push(err))
    teardown.add(() => { ran.push('db') })
    teardown.add(() => { throw new Error('http would not close') })
    teardown.add(async () => { ran.push('tracker') })
    await teardown.run()
    await teardown.run()
    assert.deepEqual(ran, ['tracker', 'db'])
    assert.equal(errors.length, 1)
    assert.match((errors[0] as Error).message, /http would not close/)
  })
})

describe('abortableSleep', function () {
  it('ends as soon as its signal aborts', async function () {
    const controller = new AbortController()
    const sleeping = abortableSleep(60_000, controller.signal)
    controller.abort()
    await sleeping
  })

  it('ends at once for a signal aborted before the call', async function () {
    await abortableSleep(60_000, AbortSignal.abort())
  })
})
