import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { generateKeyPair, privateKeyFromPem, privateKeyToPem, publicKeyFromPem, publicKeyToPem } from '@fedswarm/protocol'
import { signBytes, verifyBytes } from '../src/ed25519.ts'

// Keys already in data folders and discovery documents were written by
// Node's crypto (PKCS #8 and SPKI PEM): they must keep loading, and keys
// made now must read the same to Node.
describe('Ed25519 keys in PEM', function () {
  const message = new TextEncoder().encode('fedswarm')

  it('reads the keys Node wrote and signs as Node does', function () {
    const node = generateKeyPairSync('ed25519')
    const privateKey = privateKeyFromPem(node.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
    const publicKey = publicKeyFromPem(node.publicKey.export({ type: 'spki', format: 'pem' }).toString())
    assert.deepEqual(signBytes(message, privateKey), new Uint8Array(sign(null, message, node.privateKey)))
    assert.equal(verifyBytes(sign(null, message, node.privateKey), message, publicKey), true)
  })

  it('writes PEM that Node reads back, byte for byte as Node writes it', function () {
    const { privateKey, publicKey } = generateKeyPair()
    const nodePrivate = createPrivateKey(privateKeyToPem(privateKey))
    const nodePublic = createPublicKey(publicKeyToPem(publicKey))
    assert.equal(privateKeyToPem(privateKey), nodePrivate.export({ type: 'pkcs8', format: 'pem' }))
    assert.equal(publicKeyToPem(publicKey), nodePublic.export({ type: 'spki', format: 'pem' }))
    assert.equal(verify(null, message, nodePublic, signBytes(message, privateKey)), true)
  })

  it('refuses what is not an Ed25519 key', function () {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    assert.throws(() => publicKeyFromPem(p256.publicKey.export({ type: 'spki', format: 'pem' }).toString()), TypeError)
    assert.throws(() => privateKeyFromPem(p256.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), TypeError)
    assert.throws(() => publicKeyFromPem(privateKeyToPem(generateKeyPair().privateKey)), TypeError)
    assert.throws(() => publicKeyFromPem('-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----\n'), TypeError)
    assert.throws(() => publicKeyFromPem(''), TypeError)
  })
})
