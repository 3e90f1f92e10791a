import type { IncomingMessage, ServerResponse } from 'node:http'
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
  // ioredis while Redis is away (runtime's openRedis: no offline queue, commands time out).
  if (e?.message?.includes('enableOfflineQueue') === true || e?.message === 'Connection is closed.' || e?.message === 'Command timed out') return new HttpError('storage_unavailable')
  return new HttpError('internal')
}

/** How long the rest of a refused body is read and dropped before the connection is cut. */
const LINGER_MS = 2000

/**
 * An upload refused before its handler read any of it (413 from its declared length, 401, 415) is answered before
 * its body has arrived. Closing at once would reset the connection while the client is still sending, and a client
 * that is still writing (fetch, curl) then sees EPIPE or ECONNRESET instead of the answer. So, as nginx's lingering
 * close does, the rest of the body is read and dropped (Node drains a body the handler did not read once the
 * response ends) for at most LINGER_MS; then the connection is cut, so a body that never ends costs no more.
 */
function lingerOverUnreadBody (req: IncomingMessage, res: ServerResponse): void {
  // Taken now: once the response has finished, Node has detached the socket from the request.
  const socket = req.socket
  res.once('finish', () => {
    if (req.complete || socket === null || socket.destroyed) return
    const timer = setTimeout(() => socket.destroy(), LINGER_MS)
    timer.unref()
    const done = (): void => clearTimeout(timer)
    req.once('end', done)
    socket.once('close', done)
  })
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
    if (!req.complete) {
      // A body its handler gave up on midway (a failed write) is torn down with it: that connection can only close.
      if (req.readableDidRead || req.destroyed) res.setHeader('Connection', 'close')
      else lingerOverUnreadBody(req, res)
    }
    const body: ErrorBody = { error: httpError.code, message: httpError.message, ...httpError.details }
    res.status(httpError.status).set(httpError.headers).set('Cache-Control', 'no-store').json(body)
  }
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new HttpError('not_found', `${ERRORS.not_found.message}: see docs/http-api.md for the API`))
}
