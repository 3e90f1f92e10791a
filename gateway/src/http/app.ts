import express, { type RequestHandler } from 'express'
import { TRUSTED_PROXIES } from './client-address.ts'
import { rateLimit, type Store } from 'express-rate-limit'
import type { Logger } from 'pino'
import type { OriginDocument, OriginUrls } from '@fedswarm/protocol'
import type { BlobStore, Db } from '@fedswarm/storage'
import type { DeletionService } from '../deletion/deletion-service.ts'
import { errorHandler, notFound } from './error-handler.ts'
import { frontRoute, type FrontRouteOptions } from '../front/front-route.ts'
import { HttpError } from '../errors.ts'
import type { EventStreams } from '../events/event-streams.ts'
import type { InstanceRegistry } from '../seeders/instance-registry.ts'
import type { MediaService } from '../media/media-service.ts'
import type { MediaItem } from '../media/media-repository.ts'
import type { OriginMetrics } from './metrics.ts'
import type { Canaries } from '../mirrors/canaries.ts'
import type { Mirrors } from '../mirrors/mirrors.ts'
import type { ItemRedirects } from '../mirrors/serve-item.ts'
import type { PopularityStore } from '@fedswarm/runtime'
import { canariesRoute } from './routes/canaries.ts'
import { deletionsApi } from './routes/deletions.ts'
import { discovery } from './routes/discovery.ts'
import { eventsApi } from './routes/events.ts'
import { instancesApi } from './routes/instances.ts'
import { mediaApi } from './routes/media-api.ts'
import { mediaFiles } from './routes/media-files.ts'
import type { SignedRequestOptions } from '../seeders/signed-request.ts'

export interface AppOptions {
  log: Logger
  db: Db
  blobs: BlobStore
  urls: OriginUrls
  media: MediaService
  deletions: DeletionService
  popularity: PopularityStore
  metrics: OriginMetrics
  document: OriginDocument
  requireAdmin: RequestHandler
  maxMediaSize: number
  trustProxy: boolean
  /** Requests per minute per address on /api, admins included. */
  apiRatePerMinute: number
  /** Where the /api counts are kept; default this process's memory. Several origin processes share one (Redis). */
  apiRateStore?: Store
  /** The origin's upload cap, shared with its swarm uploads; undefined when uncapped. */
  uploadThrottle: (() => NodeJS.ReadWriteStream) | undefined
  onRequested (item: MediaItem): void
  instances: InstanceRegistry
  /** What `GET /api/instances` shows of each seeder as a mirror. */
  mirrors: Pick<Mirrors, 'status'>
  /** The canaries offered to registering seeders, and served to them. */
  canaries: Pick<Canaries, 'offer' | 'byId'>
  /** When `GET /media/:id` and the front's keys answer with a 302 to a verified mirror. */
  redirects: ItemRedirects
  /** How seeders' signed requests are checked. */
  signed: SignedRequestOptions
  eventStreams: EventStreams
  /** The drop-in front (FEDSWARM_FRONT): `GET|HEAD /<key>` of the server's store, after every other route. */
  front?: Pick<FrontRouteOptions, 'front' | 'watch' | 'indexer' | 'blobs' | 'prefix'>
}

/** The origin's HTTP application: request → validation → domain → storage, errors as JSON. */
export function createApp (options: AppOptions): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('query parser', 'simple')
  app.set('trust proxy', options.trustProxy ? TRUSTED_PROXIES : false)

  app.use((req, res, next) => {
    res.on('finish', () => {
      options.metrics.requests.inc({ route: req.route?.path ?? 'none', status: String(res.statusCode) })
    })
    res.setHeader('X-Content-Type-Options', 'nosniff')
    next()
  })
  // The hot paths first: a media GET passes no other router.
  app.use(mediaFiles({
    media: options.media,
    blobs: options.blobs,
    urls: options.urls,
    onBytesSent: (n) => options.metrics.mediaBytesSent.inc(n),
    uploadThrottle: options.uploadThrottle,
    onRequested: options.onRequested,
    redirects: options.redirects
  }))
  app.use(canariesRoute({ canaries: options.canaries, onBytesSent: (n) => options.metrics.mediaBytesSent.inc(n), uploadThrottle: options.uploadThrottle }))
  app.use(discovery({ document: options.document, metrics: options.metrics, requireAdmin: options.requireAdmin }))
  app.use('/api', rateLimit({
    windowMs: 60_000,
    limit: options.apiRatePerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: options.apiRateStore,
    // A shared store out of reach lets requests through: the rest of /api still works without Redis.
    passOnStoreError: true,
    logger: { error: (err) => { options.log.warn({ err }, 'api rate limit: the store cannot be reached; requests pass unlimited') }, warn: (err) => { options.log.warn({ err }, 'api rate limit') } },
    handler: (_req, _res, next) => next(new HttpError('rate_limited'))
  }))
  app.use('/api', (req, res, next) => {
    // Manifests and popular lists are public documents: browsers running the SDK may read them.
    if (req.method === 'GET') res.setHeader('Access-Control-Allow-Origin', '*')
    res.setHeader('Cache-Control', 'no-store')
    next()
  })
  app.use(eventsApi({ streams: options.eventStreams }))
  app.use(instancesApi({ registry: options.instances, mirrors: options.mirrors, canaries: options.canaries, signed: options.signed, requireAdmin: options.requireAdmin }))
  app.use(deletionsApi({ deletions: options.deletions, requireAdmin: options.requireAdmin }))
  app.use(mediaApi({
    media: options.media, deletions: options.deletions, popularity: options.popularity, db: options.db, maxMediaSize: options.maxMediaSize, requireAdmin: options.requireAdmin, urls: options.urls
  }))
  if (options.front !== undefined) {
    app.use(frontRoute({
      ...options.front,
      urls: options.urls,
      onBytesSent: (n) => options.metrics.mediaBytesSent.inc(n),
      uploadThrottle: options.uploadThrottle,
      onRequested: options.onRequested,
      redirects: options.redirects
    }))
  }
  app.use(notFound)
  app.use(errorHandler(options.log))
  return app
}
