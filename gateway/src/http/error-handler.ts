import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { Logger } from 'pino'
import type { ErrorBody } from '@fedswarm/protocol'
import { ERRORS, HttpError } from '../errors.ts'

/** Connection-level failures of PostgreSQL or PGlite, which are worth a retry by the client. */
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001'])

/**
 * The disk under the temp folder or the blob store is full: no space left, over a quota, or past the
 * process's file size limit (RLIMIT_FSIZE; Node ignores SIGXFSZ, so the write fails with EFBIG).
 */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG'])

/** Any thrown value as the HttpError the client should see. */
export function toHttpError (err: unknown): HttpError {
  if (err instanceof HttpError) return err
  const e = err as { type?: string, status?: number, code?: string, message?: string }
  if (e?.type === 'entity.too.large') return new HttpError('body_too_large', 'the JSON body is too large')
  if (e?.type === 'entity.parse.failed') return new HttpError('invalid_body', 'the body is not valid JSON')
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new HttpError('bad_request', e.message)
  if (e?.code !== undefined && UNAVAILABLE.has(e.code)) return new HttpError('storage_unavailable')
  if (e?.code !== undefined && NO_SPACE.has(e.code)) return new HttpError('insufficient_storage')
  if (e?.message === 'Connection terminated unexpectedly' || e?.message?.includes('PGlite is closed') === true) return new HttpError('storage_unavailable')
  return new HttpError('internal')
}

export function errorHandler (log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const httpError = toHttpError(err)
    if (httpError.status >= 500) log.error({ err, method: req.method, url: req.originalUrl }, 'request failed')
    else log.debug({ code: httpError.code, url: req.originalUrl }, httpError.message)
    if (res.headersSent) {
      res.destroy()
      return
    }
    // A body the handler did not read (refused upload) must not be parsed as the next request.
    if (!req.complete) res.setHeader('Connection', 'close')
    const body: ErrorBody = { error: httpError.code, message: httpError.message, ...httpError.details }
    res.status(httpError.status).set(httpError.headers).set('Cache-Control', 'no-store').json(body)
  }
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new HttpError('not_found', `${ERRORS.not_found.message}: see the README for the API`))
}
