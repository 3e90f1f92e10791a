export { activityPubLinks, type ActivityPubLink } from './activitypub.ts'
export { canonicalJson } from './canonical-json.ts'
export { DELETION_NOTICE_TYPE, deletionNoticeSchema, signDeletionNotice, verifyDeletionNotice, type DeletionNotice } from './deletion-notice.ts'
export { digestMultibase, isSha256Base64url, sha256Base64url, sha256Of } from './digest.ts'
export type { ErrorBody } from './error-body.ts'
export {
  contentDigest, DEFAULT_SIGNATURE_MAX_AGE_SECONDS, SIGNATURE_ALGORITHM, SIGNATURE_LABEL, SignatureError, signRequest, verifyRequest,
  type KeyResolver, type RequestToSign, type RequestToVerify, type SignatureErrorCode, type SignatureHints, type SigningKey,
  type VerifiedSignature, type VerifyOptions
} from './http-signature.ts'
export { isInfoHash } from './info-hash.ts'
export { buildManifest, magnetLink, MANIFEST_TYPE, manifestSchema, type Manifest, type ManifestSource } from './manifest.ts'
export { buildOriginDocument, ORIGIN_DOCUMENT_TYPE, originDocumentSchema, type OriginDocument } from './origin-document.ts'
export { deletedEventSchema, hotEventSchema, originEventSchema, type DeletedEvent, type HotEvent, type OriginEvent, type OriginEventType } from './origin-event.ts'
export { originUrls, type OriginUrls } from './origin-urls.ts'
export { MAX_PIECE_LENGTH, MIN_PIECE_LENGTH, pieceLengthFor } from './piece-length.ts'
export { buildSeederDocument, SEEDER_DOCUMENT_TYPE, seederDocumentSchema, type SeederDocument } from './seeder-document.ts'
export { canonicalSeederUrl, seederPublicUrlSchema, seederUrls, type SeederUrls } from './seeder-urls.ts'
export { privateKeyFromPem, publicKeyFromPem, signObject, verifyObject } from './signed-object.ts'
