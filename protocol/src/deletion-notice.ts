import { z } from 'zod'
import { SHA256_BASE64URL } from './digest.ts'
import { INFO_HASH } from './info-hash.ts'
import { signObject, verifyObject } from './signed-object.ts'

const DELETION_NOTICE_TYPE = 'fedswarm.deletion/1'

/**
 * What an origin says when it deletes an item: signed with the origin's
 * Ed25519 key (the one its `/.well-known/fedswarm` publishes as `keyId`)
 * over the canonical JSON (RFC 8785) of every field but `signature`. `seq`
 * orders an origin's deletions (`GET /api/deletions?after=SEQ`, and the seq
 * a seeder acks). Strict: a field this version does not know would not be
 * covered by what a verifier checks, so it is refused.
 */
export const deletionNoticeSchema = z.object({
  type: z.literal(DELETION_NOTICE_TYPE),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  id: z.string().min(1).max(200),
  infoHash: z.string().regex(INFO_HASH, 'must be 40 lowercase hex characters'),
  sha256: z.string().regex(SHA256_BASE64URL, 'must be the base64url SHA-256 (43 characters)'),
  deletedAt: z.iso.datetime({ offset: true }),
  reason: z.string().max(1000),
  keyId: z.string().min(1).max(2048),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a base64url Ed25519 signature')
}).strict()

export type DeletionNotice = z.infer<typeof deletionNoticeSchema>

export function signDeletionNotice (fields: Omit<DeletionNotice, 'type' | 'signature'>, privateKey: Uint8Array): DeletionNotice {
  return signObject({ type: DELETION_NOTICE_TYPE, ...fields }, privateKey)
}

/** True only when `notice` is signed by `publicKey` and is unchanged; never throws. */
export function verifyDeletionNotice (notice: DeletionNotice, publicKey: Uint8Array): boolean {
  return typeof notice === 'object' && notice !== null && notice.type === DELETION_NOTICE_TYPE && verifyObject(notice, publicKey)
}
