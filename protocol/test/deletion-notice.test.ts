import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  deletionNoticeSchema, generateKeyPair, publicKeyFromPem, publicKeyToPem, signDeletionNotice, verifyDeletionNotice, type DeletionNotice
} from '@fedswarm/protocol'
import { canonicalJson } from '../src/canonical-json.ts'
import { originEventSchema } from '../src/origin-event.ts'

describe('deletion notices', function () {
  const { privateKey, publicKey } = generateKeyPair()
  const fields = {
    seq: 42,
    id: '01JD3ZZZZZZZZZZZZZZZZZZZZZ',
    infoHash: 'a'.repeat(40),
    sha256: 'LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ',
    deletedAt: '2026-11-21T10:00:00.000Z',
    reason: 'DMCA notice #12',
    keyId: 'https://origin.example/.well-known/fedswarm#key'
  }

  it('signs a notice its schema accepts, and verifies it with the public key from PEM', function () {
    const notice = signDeletionNotice(fields, privateKey)
    assert.equal(notice.type, 'fedswarm.deletion/1')
    assert.deepEqual(deletionNoticeSchema.parse(notice), notice)
    const pem = publicKeyToPem(publicKey)
    assert.equal(verifyDeletionNotice(notice, publicKeyFromPem(pem)), true)
    // Whatever the order of the fields: the signature covers the canonical JSON.
    const reordered = Object.fromEntries(Object.entries(notice).reverse()) as DeletionNotice
    assert.equal(verifyDeletionNotice(reordered, publicKey), true)
    assert.equal(verifyDeletionNotice(JSON.parse(canonicalJson(notice)) as DeletionNotice, publicKey), true)
  })

  it('fails on any altered field, another key, or no signature', function () {
    const notice = signDeletionNotice(fields, privateKey)
    const altered: Array<Partial<DeletionNotice>> = [
      { seq: 43 }, { id: '01JD3ZZZZZZZZZZZZZZZZZZZZY' }, { infoHash: 'b'.repeat(40) }, { sha256: 'A'.repeat(43) },
      { deletedAt: '2026-11-21T10:00:01.000Z' }, { reason: 'DMCA notice #13' }, { keyId: 'https://other.example/.well-known/fedswarm#key' },
      { type: 'fedswarm.deletion/2' as 'fedswarm.deletion/1' }
    ]
    for (const change of altered) assert.equal(verifyDeletionNotice({ ...notice, ...change }, publicKey), false, JSON.stringify(change))
    assert.equal(verifyDeletionNotice({ ...notice, extra: 1 } as DeletionNotice, publicKey), false)
    assert.equal(verifyDeletionNotice(notice, generateKeyPair().publicKey), false)
    const { signature: _, ...unsigned } = notice
    assert.equal(verifyDeletionNotice(unsigned as DeletionNotice, publicKey), false)
    assert.equal(verifyDeletionNotice({ ...notice, signature: '' }, publicKey), false)
  })

  it('refuses malformed notices in the schema', function () {
    const notice = signDeletionNotice(fields, privateKey)
    const bad: Array<Record<string, unknown>> = [
      { seq: 0 }, { seq: 1.5 }, { infoHash: 'A'.repeat(40) }, { sha256: 'short' }, { deletedAt: 'yesterday' },
      { reason: 'x'.repeat(1001) }, { signature: 'not base64url!' }, { extra: true }, { type: 'fedswarm.manifest/1' }
    ]
    for (const change of bad) assert.equal(deletionNoticeSchema.safeParse({ ...notice, ...change }).success, false, JSON.stringify(change).slice(0, 60))
  })

  it('travels in deleted events', function () {
    const notice = signDeletionNotice(fields, privateKey)
    const event = originEventSchema.parse({ seq: 7, type: 'deleted', notice, at: '2026-11-21T10:00:00.000Z' })
    assert.equal(event.type, 'deleted')
    assert.equal(event.type === 'deleted' && verifyDeletionNotice(event.notice, publicKey), true)
    assert.equal(originEventSchema.safeParse({ seq: 7, type: 'deleted', notice: { ...notice, seq: 'x' }, at: event.at }).success, false)
  })

  it('never throws on random notices, and never verifies one it did not sign', function () {
    const anything = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }))
    const notice = fc.record({
      type: fc.oneof(fc.constant('fedswarm.deletion/1'), anything),
      seq: fc.oneof(fc.integer({ min: 1 }), anything),
      id: anything,
      infoHash: fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), anything),
      sha256: anything,
      deletedAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anything),
      reason: anything,
      keyId: anything,
      signature: fc.oneof(fc.base64String(), fc.string(), anything)
    }, { requiredKeys: [] })
    fc.assert(fc.property(notice, (random) => {
      assert.equal(verifyDeletionNotice(random as unknown as DeletionNotice, publicKey), false)
      deletionNoticeSchema.safeParse(random)
    }), { numRuns: 500 })
  })
})
