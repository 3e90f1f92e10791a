import assert from 'node:assert/strict'
import fc from 'fast-check'
import { fromBase64, fromBase64url, toBase64, toBase64url } from '../src/base64.ts'

describe('base64', function () {
  it('base64url and base64 match Node\'s for any bytes, and read back', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      assert.equal(toBase64url(bytes), Buffer.from(bytes).toString('base64url'))
      assert.equal(toBase64(bytes), Buffer.from(bytes).toString('base64'))
      assert.deepEqual(fromBase64url(toBase64url(bytes)), bytes)
      assert.deepEqual(fromBase64(toBase64(bytes)), bytes)
    }))
  })
})
