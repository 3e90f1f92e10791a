/** One row of a role's error table: the status a code is answered with, and what the caller should do. */
export interface ErrorEntry {
  status: number
  message: string
}

/**
 * The error class of a role's HTTP face, bound to that role's one table of
 * codes (after fastify's FST_ERR_*), so that a code always comes with the
 * same status and advice. The handler turns it into `{error, message}`.
 */
export function httpErrorClass<const Table extends Record<string, ErrorEntry>> (table: Table) {
  return class HttpError extends Error {
    override readonly name = 'HttpError'
    readonly code: keyof Table & string
    readonly status: number
    readonly headers: Record<string, string>
    /** Fields the body carries beside `error` and `message` (the origin's notice of a deleted item). */
    readonly details: Record<string, unknown>

    constructor (code: keyof Table & string, message?: string, headers: Record<string, string> = {}, details: Record<string, unknown> = {}) {
      super(message ?? table[code]!.message)
      this.code = code
      this.status = table[code]!.status
      this.headers = headers
      this.details = details
    }
  }
}
