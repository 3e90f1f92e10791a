import type { Request } from 'express'
import { DEFAULT_SIGNATURE_MAX_AGE_SECONDS, SignatureError, verifyRequest, type KeyResolver, type VerifiedSignature } from '@fedswarm/protocol'
import { HttpError } from '../errors.ts'
import type { NonceStore } from './nonce-store.ts'

export interface SignedRequestOptions {
  /** The origin's public URL: `@target-uri` is this plus the request's path, so a signature made for another origin fails. */
  base: string
  nonces: NonceStore
  maxAgeSeconds?: number
}

/**
 * Checks the RFC 9421 signature of a request whose raw body was read (Buffer
 * in `req.body`), then spends its nonce. SignatureErrors become 401s with
 * their code; a nonce used before is `signature_replayed`. Other errors
 * (from the key resolver) pass through.
 */
export async function verifySignedRequest (req: Request, resolveKey: KeyResolver, options: SignedRequestOptions): Promise<VerifiedSignature> {
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_SIGNATURE_MAX_AGE_SECONDS
  let verified: VerifiedSignature
  try {
    verified = await verifyRequest({
      method: req.method,
      url: `${options.base}${req.originalUrl}`,
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : undefined
    }, async (keyId, hints) => {
      // Cheap refusal of a replay before the key is looked up (which may mean fetching a well-known document).
      if (await options.nonces.seen(keyId, hints.nonce)) throw replayed()
      return resolveKey(keyId, hints)
    }, { maxAgeSeconds })
  } catch (err) {
    if (err instanceof SignatureError) throw new HttpError(err.code, err.message)
    throw err
  }
  const expiresAt = new Date(verified.created.getTime() + maxAgeSeconds * 1000)
  if (!await options.nonces.use(verified.keyId, verified.nonce, expiresAt)) throw replayed()
  return verified
}

function replayed (): HttpError {
  return new HttpError('signature_replayed')
}
