import { httpErrorClass } from '@fedswarm/web'

/**
 * Every error the seeder's HTTP face answers with: a stable code, its status
 * and what the caller should do. The one table, like the origin's.
 */
export const ERRORS = {
  bad_request: { status: 400, message: 'the request is malformed: check the percent-encoding of the path' },
  invalid_info_hash: { status: 400, message: 'mirror URLs end with the item\'s info hash, 40 lowercase hex characters' },
  unauthorized: { status: 401, message: 'send the seeder\'s admin token as "Authorization: Bearer <token>"' },
  forbidden: { status: 403, message: 'the admin token is wrong' },
  not_found: { status: 404, message: 'no such resource on this seeder' },
  media_not_held: { status: 404, message: 'this seeder does not hold a complete, verified copy of that item' },
  method_not_allowed: { status: 405, message: 'this method is not allowed here' },
  media_deleted: { status: 410, message: 'this item was deleted by its origin' },
  internal: { status: 500, message: 'internal error, see the seeder log' }
} as const

export type ErrorCode = keyof typeof ERRORS

export const HttpError = httpErrorClass(ERRORS)
export type HttpError = InstanceType<typeof HttpError>
