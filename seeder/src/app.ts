import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import type { Logger } from 'pino'
import { isInfoHash, type ErrorBody, type SeederDocument } from '@fedswarm/protocol'
import { answerPreflight, requireAdmin, sendRepresentation, type AdminToken } from '@fedswarm/web'
import type { Library } from './library.ts'
import { ERRORS, HttpError, notAllowed } from './errors.ts'
import type { SeederMetrics } from './metrics.ts'
import { refusalsApi } from './refusals-api.ts'
import type { Refusals } from './refusals.ts'

export interface SeederAppOptions {
  log: Logger
  document: SeederDocument
  library: Library
  metrics: SeederMetrics
  /** An origin asks the seeder to catch up on deletions (it is missing an ack). */
  onPoke (): void
  /** The seeder's upload cap, shared with its swarm uploads; undefined when uncapped. */
  /** The upload cap's throttle of one mirror response for an item of `origin` (upload-shares.ts); undefined when uncapped. */
  uploadThrottle: ((origin: string) => NodeJS.ReadWriteStream[]) | undefined
  /** The bearer token of the admin API (`/api/...` routes other than the poke). */
  adminToken: AdminToken
  /** What `GET /api/status` answers: the seeder's state for its admin. */
  status (): unknown
  /** Bytes of an item of `origin` sent by the mirror: counted per origin. */
  onMirrorBytes (origin: string, bytes: number): void
  /** What this seeder's admin refuses to hold (`/api/refusals`). */
  refusals: Refusals
  /** The console's page and files at `/admin` (admin-ui), reading `GET /api/status`. */
  adminUi: RequestHandler
}

/** The error to answer with; undefined for a failure of the seeder itself. */
function knownError (err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err
  // Express's own refusals of bad input carry a 4xx status; those of its body parser also a type.
  const { status, type, message } = (err ?? {}) as { status?: unknown, type?: unknown, message?: unknown }
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined
  if (type === 'entity.too.large') return new HttpError('body_too_large')
  if (type === 'entity.parse.failed') return new HttpError('invalid_body', 'the body is not valid JSON')
  if (typeof type === 'string') return new HttpError('invalid_body', `the body cannot be read: ${String(message)}`)
  return new HttpError('bad_request')
}

/** Errors of a response stream whose client closed the connection. */
const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE'])

/**
 * The seeder's HTTP face: its identity document, health, metrics, and the
 * mirror of complete, verified items under their info hash.
 */
export function createSeederApp (options: SeederAppOptions): express.Express {
  const { library, metrics } = options
  const admin = requireAdmin(options.adminToken, HttpError)
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('query parser', 'simple')
  // Browsers ask before some cross-origin range requests of the mirror, a web seed (see answerPreflight).
  app.use((req, res, next) => { if (!answerPreflight(req, res)) next() })

  app.get('/healthz', (_req, res) => { res.json({ ok: true }) })
  app.use(options.adminUi)
  app.get('/.well-known/fedswarm', (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*').json(options.document)
  })
  // Seeder metrics hold only counts (bytes, items): public, like the media it mirrors.
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })

  const mirror: express.RequestHandler = async (req, res) => {
    const infoHash = String(req.params.infoHash)
    if (!isInfoHash(infoHash)) throw new HttpError('invalid_info_hash')
    const held = await library.servable(infoHash)
    if (held === 'deleted') throw new HttpError('media_deleted')
    if (held === 'refused') throw new HttpError('media_refused')
    // ?progressive=1 (an origin redirecting to a fetch under way): the bytes as their pieces verify.
    const servable = held ?? (req.query.progressive === '1' ? library.streamable(infoHash) : undefined)
    if (servable === undefined) throw new HttpError('media_not_held')
    const { item } = servable
    await sendRepresentation(req, res, {
      size: item.size,
      mediaType: item.mediaType,
      etag: `"${item.sha256}"`,
      lastModified: item.completedAt ?? item.createdAt,
      headers: { Link: `<${item.origin}/api/media/${item.mediaId}>; rel="describedby"; type="application/json"` },
      read: servable.read,
      throttle: options.uploadThrottle === undefined ? undefined : () => options.uploadThrottle!(item.origin)
    }, (n) => {
      metrics.bytes.inc({ direction: 'out', source: 'mirror' }, n)
      options.onMirrorBytes(item.origin, n)
    })
  }
  // Anyone may poke: it only makes the seeder ask the origins it follows for their signed deletions, at most one round at a time.
  app.post('/api/poke', (_req, res) => {
    options.onPoke()
    res.status(202).json({ ok: true })
  })
  app.all('/api/poke', notAllowed('POST'))
  app.get('/api/status', admin, (_req, res) => { res.set('Cache-Control', 'no-store').json(options.status()) })
  app.all('/api/status', notAllowed('GET'))
  app.use(refusalsApi({ refusals: options.refusals, admin }))
  app.get('/media/:infoHash', mirror)
  app.head('/media/:infoHash', mirror)
  app.all('/media/:infoHash', notAllowed('GET, HEAD'))

  app.use((_req, _res, next) => next(new HttpError('not_found')))
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const known = knownError(err)
    if (res.headersSent) {
      // A client that hangs up mid-body (a player seeking, a cancelled download) is no failure of the seeder.
      if (CLIENT_GONE.has((err as NodeJS.ErrnoException).code ?? '')) options.log.debug({ url: req.originalUrl }, 'client left before the end of the response')
      else options.log.error({ err, url: req.originalUrl }, 'response failed')
      res.destroy()
      return
    }
    if (known === undefined) options.log.error({ err, url: req.originalUrl }, 'request failed')
    const body: ErrorBody = known !== undefined ? { error: known.code, message: known.message } : { error: 'internal', message: ERRORS.internal.message }
    res.status(known?.status ?? 500).set(known?.headers ?? {}).set('Cache-Control', 'no-store').json(body)
  }
  app.use(onError)
  return app
}
