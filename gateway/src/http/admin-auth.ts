import type { RequestHandler } from 'express'
import type { AdminToken } from './admin-token.ts'
import { HttpError } from '../errors.ts'

export function bearerToken (header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return match?.[1]
}

export function requireAdmin (token: AdminToken): RequestHandler {
  return (req, _res, next) => {
    const presented = bearerToken(req.headers.authorization)
    if (presented === undefined) return next(new HttpError('unauthorized', undefined, { 'WWW-Authenticate': 'Bearer' }))
    if (!token.matches(presented)) return next(new HttpError('forbidden'))
    next()
  }
}
