import { sha256 } from '@noble/hashes/sha2.js'
// The package's root also loads its own signing algorithms, which need Node's
// crypto; its RFC 9421 part alone does not.
import { ExpiredError } from 'http-message-signatures/lib/errors/index.js'
import * as httpbis from 'http-message-signatures/lib/httpbis/index.js'
import type { SignatureParameters, Signer } from 'http-message-signatures/lib/types/index.js'
import { toBase64, toBase64url } from './base64.ts'
import { signBytes, verifyBytes } from '#ed25519'

/**
 * RFC 9421 HTTP Message Signatures with Ed25519, as seeders sign their calls
 * to an origin. http-message-signatures (httpbis) parses the structured
 * fields and builds the signature base; the policy (which components must be
 * covered, alg, clock window, nonce, body digest) and the Ed25519 check itself
 * are done here, so that the key is looked up only for a request that passed
 * every cheap check, and errors from the key lookup are not mistaken for a
 * bad signature.
 */
const SIGNATURE_LABEL = 'sig1'
const SIGNATURE_ALGORITHM = 'ed25519'
export const DEFAULT_SIGNATURE_MAX_AGE_SECONDS = 300

export type SignatureErrorCode = 'signature_missing' | 'signature_invalid' | 'signature_expired' | 'digest_mismatch' | 'unknown_key'

export class SignatureError extends Error {
  override readonly name = 'SignatureError'
  readonly code: SignatureErrorCode

  constructor (code: SignatureErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

export interface RequestToSign {
  method: string
  url: string
  headers: Record<string, string>
  body?: Uint8Array | string
}

export interface SigningKey {
  keyId: string
  /** Raw Ed25519 private key (32 bytes). */
  privateKey: Uint8Array
}

export interface RequestToVerify {
  method: string
  /** The full URL as the receiver knows itself (its public URL + path and query): `@target-uri`. */
  url: string
  headers: Record<string, string | string[] | undefined>
  body?: Uint8Array
}

/** What a verified signature says, beside the fact that it is valid. */
export interface VerifiedSignature {
  keyId: string
  created: Date
  nonce: string
}

/** Told to the key resolver so it can refuse cheaply (a nonce already seen) before any costly lookup. */
export interface SignatureHints {
  created: Date
  nonce: string
}

/** Gives the raw Ed25519 public key (32 bytes) of `keyId`, or undefined when none is known. */
export type KeyResolver = (keyId: string, hints: SignatureHints) => Promise<Uint8Array | undefined>

export interface VerifyOptions {
  now?: Date
  /** How far `created` may be from now, either way. */
  maxAgeSeconds?: number
}

const ALWAYS_COVERED = ['@method', '@target-uri']
const BODY_COVERED = ['content-digest', 'content-type']
const NONCE = /^[\x21-\x7e]{16,128}$/
const ED25519_SIGNATURE_BYTES = 64
const ED25519_KEY_BYTES = 32

/** RFC 9530 `Content-Digest` with SHA-256. */
export function contentDigest (body: Uint8Array | string): string {
  return `sha-256=:${toBase64(sha256(typeof body === 'string' ? new TextEncoder().encode(body) : body))}:`
}

/**
 * The headers to send: the given ones (names lowercased) plus, with a body,
 * `content-digest`, then `signature-input` and `signature` (label `sig1`)
 * over `@method`, `@target-uri` and, with a body, `content-digest` and
 * `content-type`; parameters created, keyid, alg="ed25519" and a random nonce.
 */
export async function signRequest (request: RequestToSign, key: SigningKey, now: Date = new Date()): Promise<Record<string, string>> {
  if (key.privateKey.length !== ED25519_KEY_BYTES) throw new TypeError('signRequest needs an Ed25519 private key')
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase()
    if (lower !== 'signature' && lower !== 'signature-input') headers[lower] = value
  }
  const fields = [...ALWAYS_COVERED]
  if (request.body !== undefined) {
    if (headers['content-type'] === undefined) throw new TypeError('a signed request with a body needs a content-type header')
    headers['content-digest'] = contentDigest(request.body)
    fields.push(...BODY_COVERED)
  }
  const signed = await httpbis.signMessage({
    // httpbis declares the signature as Node's byte type, but only reads the bytes.
    key: { id: key.keyId, alg: SIGNATURE_ALGORITHM, sign: async (data) => signBytes(data, key.privateKey) as Awaited<ReturnType<Signer>> },
    name: SIGNATURE_LABEL,
    params: ['created', 'keyid', 'alg', 'nonce'],
    paramValues: { created: now, nonce: toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(16))) },
    fields
  }, { method: request.method, url: targetUri(request.url), headers })
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(signed.headers)) result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  return result
}

/**
 * Verifies the one signature of a request: the required components are
 * covered, alg is ed25519, created is within ±maxAge of now, a nonce is
 * present, Content-Digest matches the body, and the Ed25519 signature checks
 * out with the key `resolveKey` gives for its keyid. Throws SignatureError;
 * errors thrown by `resolveKey` pass through unchanged.
 */
export async function verifyRequest (request: RequestToVerify, resolveKey: KeyResolver, options: VerifyOptions = {}): Promise<VerifiedSignature> {
  const now = options.now ?? new Date()
  const maxAge = options.maxAgeSeconds ?? DEFAULT_SIGNATURE_MAX_AGE_SECONDS
  const headers = lowercaseHeaders(request.headers)
  if (headers.signature === undefined || headers['signature-input'] === undefined) {
    throw new SignatureError('signature_missing', 'sign the request (RFC 9421): Signature and Signature-Input headers are required')
  }
  const body = request.body ?? new Uint8Array(0)
  const hasBody = body.length > 0
  if (hasBody && headers['content-digest'] === undefined) {
    throw new SignatureError('digest_mismatch', 'a request with a body needs a Content-Digest header (RFC 9530, sha-256)')
  }

  const signature = await parseSignature(request, headers, hasBody)
  const { params } = signature
  if (params.alg !== SIGNATURE_ALGORITHM) throw new SignatureError('signature_invalid', `the signature parameter alg must be "${SIGNATURE_ALGORITHM}"`)
  if (typeof params.keyid !== 'string' || params.keyid === '') throw new SignatureError('signature_invalid', 'the signature parameter keyid is required')
  if (typeof params.nonce !== 'string' || !NONCE.test(params.nonce)) throw new SignatureError('signature_invalid', 'the signature parameter nonce is required (16 to 128 printable characters)')
  const created = params.created
  if (!(created instanceof Date) || !Number.isSafeInteger(created.getTime()) || created.getTime() % 1000 !== 0) throw new SignatureError('signature_invalid', 'the signature parameter created is required (a Unix time)')
  const age = (now.getTime() - created.getTime()) / 1000
  if (age > maxAge) throw new SignatureError('signature_expired', `the signature was created ${Math.round(age)} s ago, more than ${maxAge} s: sign again (and check the clock)`)
  if (-age > maxAge) throw new SignatureError('signature_expired', `the signature was created ${Math.round(-age)} s in the future: check the clock`)
  // httpbis hands `expires` over as the number it was on the wire.
  const expires: unknown = (params as Record<string, unknown>).expires
  if (typeof expires === 'number' && expires * 1000 < now.getTime()) throw new SignatureError('signature_expired', 'the signature has expired')
  if (signature.bytes.length !== ED25519_SIGNATURE_BYTES) throw new SignatureError('signature_invalid', 'an Ed25519 signature is 64 bytes')
  if (headers['content-digest'] !== undefined) checkDigest(headers['content-digest'], body)

  const key = await resolveKey(params.keyid, { created, nonce: params.nonce })
  if (key === undefined) throw new SignatureError('unknown_key', `no key is known for keyid ${params.keyid}`)
  if (!verifyBytes(signature.bytes, signature.base, key)) throw new SignatureError('signature_invalid', `the signature does not verify with the key ${params.keyid}`)
  return { keyId: params.keyid, created, nonce: params.nonce }
}

interface ParsedSignature {
  params: SignatureParameters
  /** The signature base (RFC 9421 §2.5) the signer must have signed. */
  base: Uint8Array
  bytes: Uint8Array
}

/**
 * Lets httpbis parse Signature-Input and Signature and rebuild the signature
 * base, capturing both through its key-lookup and verify hooks instead of
 * verifying there. Exactly one signature is accepted.
 */
async function parseSignature (request: RequestToVerify, headers: Record<string, string>, hasBody: boolean): Promise<ParsedSignature> {
  let params: SignatureParameters | undefined
  let captured: { base: Uint8Array, bytes: Uint8Array } | undefined
  let inputs = 0
  try {
    const result = await httpbis.verifyMessage({
      async keyLookup (found) {
        inputs++
        if (inputs > 1) throw new SignatureError('signature_invalid', 'send exactly one signature')
        params = found
        return {
          id: typeof found.keyid === 'string' ? found.keyid : undefined,
          algs: [SIGNATURE_ALGORITHM],
          async verify (base, bytes) {
            captured = { base, bytes }
            return true
          }
        }
      },
      requiredFields: hasBody ? [...ALWAYS_COVERED, ...BODY_COVERED] : ALWAYS_COVERED,
      // The clock window is checked here against `now`, not by the library against Date.now().
      notAfter: Number.MAX_SAFE_INTEGER
    }, { method: request.method, url: targetUri(request.url), headers })
    if (result === null) throw new SignatureError('signature_missing', 'the Signature and Signature-Input headers hold no signature')
  } catch (err) {
    if (err instanceof SignatureError) throw err
    if (err instanceof ExpiredError) throw new SignatureError('signature_expired', 'the signature has expired')
    const reason = err instanceof Error ? err.message : String(err)
    if (/required/i.test(reason)) {
      const covered = hasBody ? [...ALWAYS_COVERED, ...BODY_COVERED] : ALWAYS_COVERED
      throw new SignatureError('signature_invalid', `the signature must cover ${covered.map((c) => `"${c}"`).join(' ')}`)
    }
    throw new SignatureError('signature_invalid', `malformed signature headers: ${reason}`)
  }
  if (params === undefined || captured === undefined) throw new SignatureError('signature_invalid', 'the signature could not be read')
  return { params, ...captured }
}

function checkDigest (header: string, body: Uint8Array): void {
  const claimed = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]+={0,2}):\s*(?:;[^,]*)?(?:,|$)/.exec(header)
  if (claimed === null) throw new SignatureError('digest_mismatch', 'Content-Digest must hold a sha-256 digest (RFC 9530)')
  if (claimed[1] !== toBase64(sha256(body))) {
    throw new SignatureError('digest_mismatch', 'Content-Digest does not match the body')
  }
}

function lowercaseHeaders (headers: RequestToVerify['headers']): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const lower = name.toLowerCase()
    const text = Array.isArray(value) ? value.join(', ') : value
    result[lower] = result[lower] === undefined ? text : `${result[lower]}, ${text}`
  }
  return result
}

/** Signer and verifier write `@target-uri` the same way: the WHATWG serialisation of the URL. */
function targetUri (url: string): string {
  return new URL(url).href
}
