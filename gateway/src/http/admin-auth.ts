import type { RequestHandler } from 'express'
import { checkAdmin, type AdminToken } from '@fedswarm/web'
import { HttpError } from '../errors.ts'

export function requireAdmin (token: AdminToken): RequestHandler {
  return (req, _res, next) => {
    const check = checkAdmin(token, req.headers.authorization)
    if (check === 'unauthorized') return next(new HttpError('unauthorized', undefined, { 'WWW-Authenticate': 'Bearer' }))
    if (check === 'forbidden') return next(new HttpError('forbidden'))
    next()
  }
}
