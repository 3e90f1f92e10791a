import type { IncomingMessage } from 'node:http'
import { PassThrough, type Readable } from 'node:stream'
import busboy from 'busboy'
import express, { Router, type RequestHandler } from 'express'
import { z } from 'zod'
import { activityPubLinks, type OriginUrls } from '@fedswarm/protocol'
import type { DeletionService } from '../../deletion/deletion-service.ts'
import { HttpError } from '../../errors.ts'
import type { MediaService, PublishResult } from '../../media/media-service.ts'
import type { MediaItem } from '../../media/media-repository.ts'
import type { PopularityStore } from '@fedswarm/runtime'
import { mediaRepository } from '../../media/media-repository.ts'
import type { Db } from '@fedswarm/storage'

export interface MediaApiOptions {
  media: MediaService
  popularity: PopularityStore
  db: Db
  maxMediaSize: number
  requireAdmin: RequestHandler
  urls: OriginUrls
  /** Where a deleted item's manifest request finds the notice and its acks. */
  deletions: Pick<DeletionService, 'status'>
}

const flag = z.enum(['1', 'true', '0', 'false']).transform((v) => v === '1' || v === 'true')
const publishQuery = z.object({ hot: flag.optional() }).strict()
const popularQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }).strict()
const importBody = z.union([
  z.object({ path: z.string().min(1).max(4096) }).strict(),
  z.object({ key: z.string().min(1).max(1024) }).strict()
])

export function parseQuery<T> (schema: z.ZodType<T>, query: unknown): T {
  const parsed = schema.safeParse(query)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const name = issue.path.length > 0 ? issue.path.join('.') : (issue as { keys?: string[] }).keys?.join(', ') ?? 'query'
    throw new HttpError('invalid_query', `invalid query parameter ${name}: ${issue.message}`)
  }
  return parsed.data
}

/** The admin's publishing API and the public read API of manifests. */
export function mediaApi (options: MediaApiOptions): Router {
  const { media } = options
  const router = Router()

  const answer = (res: express.Response, result: PublishResult): void => {
    res.status(result.created ? 201 : 200).location(media.manifest(result.item).url).json(media.manifest(result.item))
  }

  router.post('/api/media', options.requireAdmin, async (req, res) => {
    const { hot = false } = parseQuery(publishQuery, req.query)
    const declaredLength = Number(req.headers['content-length'])
    if (Number.isFinite(declaredLength) && declaredLength > options.maxMediaSize + 64 * 1024) {
      throw new HttpError('body_too_large', `the upload is larger than the origin's limit of ${options.maxMediaSize} bytes`)
    }
    const contentType = req.headers['content-type'] ?? ''
    if (/^multipart\/form-data/i.test(contentType)) {
      const file = await multipartFile(req)
      answer(res, await media.publish(file.stream, file.mediaType, hot))
      return
    }
    answer(res, await media.publish(req, contentType, hot))
  })

  router.post('/api/media/import', options.requireAdmin, express.json({ limit: '16kb', strict: true, type: () => true }), async (req, res) => {
    const { hot = false } = parseQuery(publishQuery, req.query)
    const parsed = importBody.safeParse(req.body)
    if (!parsed.success) throw new HttpError('invalid_body', 'send {"path": "<file under FEDSWARM_IMPORT_ROOT>"} or {"key": "<S3 key>"}')
    const body = parsed.data
    answer(res, 'path' in body ? await media.importFile(body.path, hot) : await media.importObject(body.key, hot))
  })

  router.get('/api/media/:id', async (req, res) => {
    let item: MediaItem
    try {
      item = await media.live(req.params.id)
    } catch (err) {
      if (!(err instanceof HttpError) || err.code !== 'media_deleted') throw err
      // The 410 of a deleted item carries its signed notice and who has purged it so far.
      const status = await options.deletions.status(req.params.id)
      if (status === undefined) throw err
      throw new HttpError('media_deleted', err.message, {}, {
        notice: status.notice,
        acks: status.acks.map((ack) => ({ domain: ack.domain, ackedAt: ack.ackedAt.toISOString() })),
        pending: status.pending
      })
    }
    res.json(media.manifest(item))
  })

  router.get('/api/media/:id/activitypub', async (req, res) => {
    const item = await media.live(req.params.id)
    res.json(activityPubLinks(media.manifest(item), options.urls.manifest(item.id)))
  })

  router.get('/api/popular', async (req, res) => {
    const { limit } = parseQuery(popularQuery, req.query)
    const ranked = await options.popularity.top(limit)
    const byId = new Map((await mediaRepository.byIds(options.db, ranked.map((entry) => entry.id))).map((item) => [item.id, item]))
    const hot = await mediaRepository.hotItems(options.db, limit)
    for (const item of hot) byId.set(item.id, item)
    const scores = await options.popularity.scores([...byId.keys()])
    const items = [...byId.values()]
      .map((item) => ({ manifest: media.manifest(item), requests: Math.round((scores.get(item.id) ?? 0) * 100) / 100, hot: item.hotAt !== null }))
      .sort((a, b) => b.requests - a.requests || Number(b.hot) - Number(a.hot))
      .slice(0, limit)
    res.json({ items })
  })

  return router
}

/**
 * The stream of the multipart field `file`, without buffering it. The part
 * is piped into a stream of our own at once, so a body cut short (busboy
 * fails the part) always has a listener and becomes a 400, not a crash.
 */
function multipartFile (req: IncomingMessage): Promise<{ stream: Readable, mediaType: string }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 16, fieldSize: 1024, parts: 32, headerPairs: 32 } })
    } catch (err) {
      reject(new HttpError('unsupported_content_type', `malformed multipart request: ${(err as Error).message}`))
      return
    }
    let file: PassThrough | undefined
    const malformed = (err: Error): HttpError => new HttpError('bad_request', `malformed multipart body: ${err.message}`)
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || file !== undefined) {
        stream.resume()
        return
      }
      file = new PassThrough()
      // The consumer's pipeline sees the error through the stream's errored state; this keeps it from being unhandled meanwhile.
      file.on('error', () => {})
      stream.on('error', (err: Error) => file!.destroy(malformed(err)))
      stream.pipe(file)
      resolve({ stream: file, mediaType: info.mimeType })
    })
    parser.on('error', (err: Error) => {
      if (file === undefined) reject(malformed(err))
      else file.destroy(malformed(err))
    })
    parser.on('close', () => { if (file === undefined) reject(new HttpError('missing_file')) })
    req.pipe(parser)
  })
}
