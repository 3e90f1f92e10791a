import assert from 'node:assert/strict'
import { secretMatcher } from '../src/secret-match.ts'

describe('secretMatcher', function () {
  const matches = secretMatcher('the-secret-0123456789')

  it('accepts the secret itself only', function () {
    assert.equal(matches('the-secret-0123456789'), true)
    for (const other of ['', 'the-secret-012345678', 'the-secret-01234567890', 'THE-SECRET-0123456789', ' the-secret-0123456789']) {
      assert.equal(matches(other), false, JSON.stringify(other))
    }
  })
})
