import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import * as browser from '../src/ed25519.ts'
import * as node from '../src/ed25519-node.ts'

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'))

// RFC 8032 §7.1, TEST 1 (the empty message).
const RFC_SECRET = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
const RFC_PUBLIC = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
const RFC_SIGNATURE = hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')

describe('Ed25519, in Node (OpenSSL) and in browsers (JavaScript)', function () {
  for (const [name, impl] of [['node', node], ['browser', browser]] as const) {
    it(`${name}: signs and verifies RFC 8032's first test vector`, function () {
      assert.deepEqual(impl.signBytes(new Uint8Array(0), RFC_SECRET), RFC_SIGNATURE)
      assert.equal(impl.verifyBytes(RFC_SIGNATURE, new Uint8Array(0), RFC_PUBLIC), true)
    })

    it(`${name}: refuses a changed message, signature or key, and malformed lengths, without throwing`, function () {
      const keys = impl.generateKeyPair()
      const message = randomBytes(200)
      const signature = impl.signBytes(message, keys.privateKey)
      assert.equal(impl.verifyBytes(signature, message, keys.publicKey), true)
      const flipped = (bytes: Uint8Array, at: number): Uint8Array => { const copy = bytes.slice(); copy[at]! ^= 1; return copy }
      assert.equal(impl.verifyBytes(signature, flipped(message, 0), keys.publicKey), false)
      assert.equal(impl.verifyBytes(flipped(signature, 10), message, keys.publicKey), false)
      assert.equal(impl.verifyBytes(signature, message, impl.generateKeyPair().publicKey), false)
      assert.equal(impl.verifyBytes(signature.subarray(1), message, keys.publicKey), false)
      assert.equal(impl.verifyBytes(signature, message, keys.publicKey.subarray(1)), false)
    })
  }

  it('makes the same signatures either way, and each verifies the other\'s', function () {
    for (let i = 0; i < 20; i++) {
      const keys = i % 2 === 0 ? node.generateKeyPair() : browser.generateKeyPair()
      const message = randomBytes(i * 37)
      const fromNode = node.signBytes(message, keys.privateKey)
      assert.deepEqual(browser.signBytes(message, keys.privateKey), fromNode)
      assert.equal(browser.verifyBytes(fromNode, message, keys.publicKey), true)
      assert.equal(node.verifyBytes(fromNode, message, keys.publicKey), true)
    }
  })
})
