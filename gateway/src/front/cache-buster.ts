import { Router, type RequestHandler } from 'express'
import { rateLimit } from 'express-rate-limit'
import type { Logger } from 'pino'
import { secretMatcher } from '@fedswarm/web'
import { HttpError } from '../errors.ts'
import type { CacheBusterConfig } from './front-config.ts'
import { parseFrontPath } from './front-path.ts'
import type { StoreWatch } from './store-watch.ts'

/** What a request to a key is to the cache buster: Mastodon's buster, one without the right secret, or not the buster's at all. */
export type BusterRequest = 'bust' | 'refused' | 'none'

/**
 * Tells Mastodon's cache buster from other requests to a key. Pure. A GET
 * without the secret header is a fetch of the file, as ever (GET is
 * Mastodon's default buster method); any other buster method belongs to the
 * buster alone, so without the header it is refused. A header with the
 * wrong value is refused with either method.
 */
export function classifyBuster (config: CacheBusterConfig, matches: (presented: string) => boolean, method: string, presented: string | undefined): BusterRequest {
  if (method !== config.method) return 'none'
  if (presented === undefined) return config.method === 'GET' ? 'none' : 'refused'
  return matches(presented) ? 'bust' : 'refused'
}

export interface CacheBusterDoorOptions {
  config: CacheBusterConfig
  watch: Pick<StoreWatch, 'bust'>
  /** FEDSWARM_FRONT_PREFIX, or ''. */
  prefix: string
  /** Buster requests per minute per address, right secret or not. */
  ratePerMinute: number
  log: Logger
}

interface Busting { kind: 'bust' | 'refused', path: ReturnType<typeof parseFrontPath> }

/**
 * Mastodon's cache buster at a key's URL (`CACHE_BUSTER_ENABLED`): with the
 * secret, the store is asked for the object at once, and an object gone
 * takes its item with it through the deletion sequence (store-watch.ts),
 * instead of at the next periodic check. Answers `200 {key, inStore}`.
 * Without the secret it changes nothing: `403`. Rate-limited per address
 * before the secret is compared (in constant time). Mounted before the
 * front's route, which sees every request that is not the buster's.
 */
export function cacheBusterDoor (options: CacheBusterDoorOptions): RequestHandler {
  const { config, log } = options
  const matches = secretMatcher(config.secret)
  const router = Router()
  router.use((req, res, next) => {
    if (req.method !== config.method) return next('router')
    const path = parseFrontPath(req.originalUrl.split('?')[0]!, options.prefix)
    if (path.kind === 'other') return next('router')
    const presented = req.headers[config.header]
    const kind = classifyBuster(config, matches, req.method, typeof presented === 'string' ? presented : undefined)
    if (kind === 'none') return next('router')
    res.locals.busting = { kind, path } satisfies Busting
    next()
  })
  router.use(rateLimit({
    windowMs: 60_000,
    limit: options.ratePerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new HttpError('rate_limited'))
  }))
  router.use(async (req, res) => {
    const { kind, path } = res.locals.busting as Busting
    if (kind === 'refused') {
      log.warn({ address: req.ip }, 'front: a cache buster request without the right secret, ignored')
      throw new HttpError('buster_forbidden')
    }
    if (path.kind !== 'key') throw new HttpError('invalid_key', path.kind === 'invalid' ? path.message : undefined)
    const inStore = await options.watch.bust(path.key)
    res.setHeader('Cache-Control', 'no-store')
    res.json({ key: path.key, inStore })
  })
  return router
}
