import { httpErrorClass } from '@fedswarm/web'

/**
 * Every error the origin's HTTP API answers with: a stable code, its
 * status and what the caller should do. The one table, after fastify's.
 */
export const ERRORS = {
  unauthorized: { status: 401, message: 'send the admin token as "Authorization: Bearer <token>"' },
  forbidden: { status: 403, message: 'the admin token is wrong' },
  not_found: { status: 404, message: 'no such resource' },
  media_not_found: { status: 404, message: 'no media with this id' },
  media_deleted: { status: 410, message: 'this media was deleted by the origin' },
  not_deleted: { status: 409, message: 'this media is not deleted: only a deleted item can be restored' },
  notice_not_found: { status: 404, message: 'no deletion notice with this seq: see GET /api/deletions' },
  bad_request: { status: 400, message: 'the request is malformed' },
  invalid_id: { status: 400, message: 'media ids are 26-character ULIDs' },
  invalid_key: { status: 400, message: 'not a key of the server\'s store: "/"-separated names, no "..", no empty segments' },
  buster_forbidden: { status: 403, message: 'a cache buster request needs the secret header the origin is configured with (FEDSWARM_CACHE_BUSTER_SECRET_HEADER)' },
  object_not_found: { status: 404, message: 'no object at this key in the server\'s store' },
  invalid_query: { status: 400, message: 'a query parameter is invalid' },
  invalid_body: { status: 400, message: 'the request body is invalid' },
  empty_body: { status: 400, message: 'the upload is empty' },
  missing_file: { status: 400, message: 'a multipart upload needs a field named "file"' },
  body_too_large: { status: 413, message: 'the upload is larger than FEDSWARM_MAX_MEDIA_SIZE' },
  unsupported_media_type: { status: 415, message: 'this media type is not accepted by the origin (FEDSWARM_MEDIA_TYPES)' },
  unsupported_content_type: { status: 415, message: 'send the raw bytes with their media type, or multipart/form-data' },
  import_disabled: { status: 400, message: 'this import source is not configured (FEDSWARM_IMPORT_ROOT or S3_BUCKET)' },
  import_forbidden_path: { status: 400, message: 'the path is outside FEDSWARM_IMPORT_ROOT' },
  import_source_missing: { status: 404, message: 'nothing to import at that path or key' },
  rate_limited: { status: 429, message: 'too many requests, slow down' },
  too_many_streams: { status: 429, message: 'too many open event streams from this address: close one first' },
  invalid_cursor: { status: 400, message: 'Last-Event-ID and ?after must be an event seq (digits)' },
  signature_missing: { status: 401, message: 'sign the request with HTTP Message Signatures (RFC 9421, Ed25519)' },
  signature_invalid: { status: 401, message: 'the request signature is malformed or does not verify' },
  signature_expired: { status: 401, message: 'the signature is too old or from the future: sign again and check the clock' },
  signature_replayed: { status: 401, message: 'this signature nonce was already used: sign every request afresh' },
  digest_mismatch: { status: 401, message: 'Content-Digest is missing or does not match the body' },
  unknown_key: { status: 401, message: 'the keyid is not a registered seeder key: register with POST /api/instances first' },
  seeder_refused: { status: 403, message: 'this origin\'s admin refused this seeder: it may not register or report holdings until re-admitted' },
  instance_not_found: { status: 404, message: 'no seeder registered with this domain: see GET /api/instances' },
  not_refused: { status: 409, message: 'this seeder is not refused: only a refused seeder can be re-admitted' },
  seeder_not_accepted: { status: 403, message: 'this origin does not accept seeders from this domain (FEDSWARM_ACCEPT_SEEDERS)' },
  key_not_published: { status: 403, message: 'the request is not signed with the key the domain publishes at /.well-known/fedswarm' },
  invalid_server_address: { status: 400, message: 'serverAddresses: each entry an IP address or a prefix no wider than IPv4 /24 or IPv6 /48 (your own server\'s), at most 32' },
  well_known_unavailable: { status: 400, message: 'the seeder\'s /.well-known/fedswarm could not be fetched or is invalid' },
  method_not_allowed: { status: 405, message: 'this method is not allowed here' },
  admin_ui_not_built: { status: 503, message: 'the admin console is not built: run npm install, or npm run build -w admin-ui' },
  storage_unavailable: { status: 503, message: 'the database, blob store or Redis is unavailable, try again' },
  insufficient_storage: { status: 507, message: 'the origin\'s disk is full: nothing of this upload was kept; try again later, or tell the origin\'s admin' },
  internal: { status: 500, message: 'internal error, see the origin log' }
} as const

export type ErrorCode = keyof typeof ERRORS

export const HttpError = httpErrorClass(ERRORS)
export type HttpError = InstanceType<typeof HttpError>
