import express, { type RequestHandler } from 'express'
import { TRUSTED_PROXIES } from './client-address.ts'
import { rateLimit, type Store } from 'express-rate-limit'
import type { Logger } from 'pino'
import type { OriginDocument, OriginUrls } from '@fedswarm/protocol'
import { answerPreflight } from '@fedswarm/web'
import type { BlobStore, Db } from '@fedswarm/storage'
import type { DeletionService } from '../deletion/deletion-service.ts'
import { errorHandler, notFound } from './error-handler.ts'
import { cacheBusterDoor } from '../front/cache-buster.ts'
import type { RunningFront } from '../front/front.ts'
import { frontRoute } from '../front/front-route.ts'
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
import type { TrafficRecorder } from '../traffic/traffic-recorder.ts'
import { consoleApi } from './routes/console-api.ts'

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
  /** What `GET /api/instances` shows of each seeder as a mirror, and `GET /api/media` of each item's mirrors. */
  mirrors: Pick<Mirrors, 'status' | 'urls'>
  /** The canaries offered to registering seeders, and served to them. */
  canaries: Pick<Canaries, 'offer' | 'byId'>
  /** When `GET /media/:id` and the front's keys answer with a 302 to a verified mirror. */
  redirects: ItemRedirects
  /** How seeders' signed requests are checked. */
  signed: SignedRequestOptions
  eventStreams: EventStreams
  /** The drop-in front (FEDSWARM_FRONT): `GET|HEAD /<key>` of the server's store, after every other route. */
  front?: RunningFront['route']
  /** The console's page and files at `/admin` (admin-ui). */
  adminUi: RequestHandler
  /** Media bytes sent are counted per minute for the console, besides the Prometheus counter. */
  traffic: Pick<TrafficRecorder, 'count' | 'flush'>
  /** Peers in an item's swarm now, for `GET /api/media`. */
  swarmOf (infoHash: string): Promise<{ complete: number, incomplete: number }>
  /** FEDSWARM_ACK_TIMEOUT, for `GET /api/deletions/acks`. */
  ackTimeoutMs: number
}

/** The origin's HTTP application: request → validation → domain → storage, errors as JSON. */
export function createApp (options: AppOptions): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('query parser', 'simple')
  app.set('trust proxy', options.trustProxy ? TRUSTED_PROXIES : false)

  // One child per route and status: given the labels, prom-client would hash them on every request.
  const requestCounters = new Map<string, { inc (): void }>()
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route: string = req.route?.path ?? 'none'
      const key = `${res.statusCode} ${route}`
      let counter = requestCounters.get(key)
      if (counter === undefined) requestCounters.set(key, counter = options.metrics.requests.labels({ route, status: String(res.statusCode) }))
      counter.inc()
    })
    res.setHeader('X-Content-Type-Options', 'nosniff')
    next()
  })
  // Browsers ask before some cross-origin range requests of web seeds and media (see answerPreflight).
  app.use((req, res, next) => { if (!answerPreflight(req, res)) next() })
  const onBytesSent = (n: number): void => {
    options.metrics.mediaBytesSent.inc(n)
    options.traffic.count('originHttp', n)
    options.redirects.room?.sent(n)
  }
  // The hot paths first: a media GET passes no other router.
  app.use(mediaFiles({
    media: options.media,
    blobs: options.blobs,
    urls: options.urls,
    onBytesSent,
    uploadThrottle: options.uploadThrottle,
    onRequested: options.onRequested,
    redirects: options.redirects
  }))
  app.use(canariesRoute({ canaries: options.canaries, onBytesSent, uploadThrottle: options.uploadThrottle }))
  app.use(discovery({ document: options.document, metrics: options.metrics, requireAdmin: options.requireAdmin }))
  app.use(options.adminUi)
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
  app.use(consoleApi({
    db: options.db, popularity: options.popularity, mirrors: options.mirrors, swarmOf: options.swarmOf, deletions: options.deletions, ackTimeoutMs: options.ackTimeoutMs, flushTraffic: options.traffic.flush, requireAdmin: options.requireAdmin
  }))
  app.use(mediaApi({
    media: options.media, deletions: options.deletions, popularity: options.popularity, db: options.db, maxMediaSize: options.maxMediaSize, requireAdmin: options.requireAdmin, urls: options.urls
  }))
  if (options.front?.cacheBuster !== undefined) {
    app.use(cacheBusterDoor({
      config: options.front.cacheBuster, watch: options.front.watch, prefix: options.front.prefix, ratePerMinute: options.apiRatePerMinute, log: options.log.child({ component: 'front' })
    }))
  }
  if (options.front !== undefined) {
    app.use(frontRoute({
      ...options.front,
      urls: options.urls,
      onBytesSent,
      uploadThrottle: options.uploadThrottle,
      onRequested: options.onRequested,
      redirects: options.redirects
    }))
  }
  app.use(notFound)
  app.use(errorHandler(options.log))
  return app
}
