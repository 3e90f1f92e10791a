import type { RequestHandler } from 'express'
import { httpErrorClass } from '@fedswarm/web'

/**
 * Every error the seeder's HTTP face answers with: a stable code, its status
 * and what the caller should do. The one table, like the origin's.
 */
export const ERRORS = {
  bad_request: { status: 400, message: 'the request is malformed: check the percent-encoding of the path' },
  invalid_info_hash: { status: 400, message: 'mirror URLs end with the item\'s info hash, 40 lowercase hex characters' },
  invalid_body: { status: 400, message: 'the body is not the JSON this route takes' },
  invalid_hash: { status: 400, message: 'a refusal names an info hash (40 hex) or a sha256 (64 hex, or the manifest\'s 43 base64url characters)' },
  unauthorized: { status: 401, message: 'send the seeder\'s admin token as "Authorization: Bearer <token>"' },
  forbidden: { status: 403, message: 'the admin token is wrong' },
  not_found: { status: 404, message: 'no such resource on this seeder' },
  media_not_held: { status: 404, message: 'this seeder does not hold a complete, verified copy of that item' },
  refusal_not_found: { status: 404, message: 'this seeder\'s admin has not refused that hash' },
  method_not_allowed: { status: 405, message: 'this method is not allowed here' },
  refusal_from_list: { status: 409, message: 'that hash is refused by the refuse list file (FEDSWARM_REFUSE_LIST): lift it by editing the file' },
  media_deleted: { status: 410, message: 'this item was deleted by its origin' },
  body_too_large: { status: 413, message: 'the JSON body is too large' },
  media_refused: { status: 451, message: 'this seeder\'s admin refuses to hold this item: fetch it from its origin' },
  admin_ui_not_built: { status: 503, message: 'the admin console is not built: run npm install, or npm run build -w admin-ui' },
  internal: { status: 500, message: 'internal error, see the seeder log' }
} as const

export type ErrorCode = keyof typeof ERRORS

export const HttpError = httpErrorClass(ERRORS)
export type HttpError = InstanceType<typeof HttpError>

/** The answer to a method a resource does not take, with the methods it does. */
export const notAllowed = (allow: string): RequestHandler => (_req, _res, next) => {
  next(new HttpError('method_not_allowed', `this resource answers ${allow} only`, { Allow: allow }))
}
