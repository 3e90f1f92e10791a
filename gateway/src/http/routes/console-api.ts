import { Router, type RequestHandler } from 'express'
import { z } from 'zod'
import type { PopularityStore } from '@fedswarm/runtime'
import type { Db } from '@fedswarm/storage'
import type { DeletionService } from '../../deletion/deletion-service.ts'
import { LISTING_STATES, listMedia } from '../../media/media-listing.ts'
import type { Mirrors } from '../../mirrors/mirrors.ts'
import { trafficRepository, TRAFFIC_SERIES } from '../../traffic/traffic-repository.ts'
import { parseQuery } from './media-api.ts'

export interface ConsoleApiOptions {
  db: Db
  popularity: Pick<PopularityStore, 'scores'>
  mirrors: Pick<Mirrors, 'urls'>
  /** Peers in an item's swarm now (the tracker's); rejects when the swarm store cannot be reached. */
  swarmOf (infoHash: string): Promise<{ complete: number, incomplete: number }>
  deletions: Pick<DeletionService, 'recent'>
  /** FEDSWARM_ACK_TIMEOUT: a notice pending longer makes its pending seeders stale. */
  ackTimeoutMs: number
  /** Writes the traffic counted in memory, so a read shows it at once. */
  flushTraffic (): Promise<void>
  requireAdmin: RequestHandler
}

const MEDIA_ID_CURSOR = /^[0-9A-HJKMNP-TV-Z]{26}$/
const limit = (max: number, fallback: number) => z.string().regex(/^\d{1,4}$/, `must be 1 to ${max}`).transform(Number).pipe(z.number().int().min(1, `must be 1 to ${max}`).max(max, `must be 1 to ${max}`)).default(fallback)
const mediaQuery = z.object({
  limit: limit(200, 50),
  before: z.string().regex(MEDIA_ID_CURSOR, 'must be a media id (the `next` of the previous page)').optional(),
  q: z.string().max(200, 'must be at most 200 characters').optional(),
  state: z.enum(LISTING_STATES).default('all')
}).strict()

const RANGES = { hour: 3600_000, day: 24 * 3600_000, week: 7 * 24 * 3600_000 } as const
const trafficQuery = z.object({ range: z.enum(['hour', 'day', 'week']).default('hour') }).strict()

const deletionsQuery = z.object({
  before: z.string().regex(/^\d{1,15}$/, 'must be a notice seq (digits)').transform(Number).optional(),
  limit: limit(200, 50)
}).strict()

/** The admin console's reads: media list, traffic series, deletions with their acks. */
export function consoleApi (options: ConsoleApiOptions): Router {
  const router = Router()

  router.get('/api/media', options.requireAdmin, async (req, res) => {
    const query = parseQuery(mediaQuery, req.query)
    const items = await listMedia(options.db, { ...query, q: query.q?.trim() })
    const [scores, peers] = await Promise.all([
      options.popularity.scores(items.map((item) => item.id)),
      Promise.all(items.map((item) => options.swarmOf(item.infoHash)))
    ])
    res.json({
      items: items.map((item, i) => ({
        id: item.id,
        mediaType: item.mediaType,
        size: item.size,
        sha256: item.sha256,
        infoHash: item.infoHash,
        createdAt: item.createdAt.toISOString(),
        hotAt: item.hotAt?.toISOString() ?? null,
        deletedAt: item.deletedAt?.toISOString() ?? null,
        deleteReason: item.deleteReason,
        tombstoned: item.tombstoned,
        keys: item.keys,
        requests: Math.round((scores.get(item.id) ?? 0) * 100) / 100,
        holders: item.holders,
        filling: item.filling,
        mirrors: item.deletedAt === null ? options.mirrors.urls(item.infoHash).length : 0,
        peers: peers[i]
      })),
      next: items.length === query.limit ? items.at(-1)!.id : null
    })
  })

  router.get('/api/traffic', options.requireAdmin, async (req, res) => {
    const { range } = parseQuery(trafficQuery, req.query)
    await options.flushTraffic()
    const to = new Date()
    const from = new Date(Math.floor((to.getTime() - RANGES[range]) / 60_000) * 60_000 + 60_000)
    const minutes = await trafficRepository.range(options.db, from, new Date(to.getTime() + 60_000))
    res.json({
      range,
      from: from.toISOString(),
      to: to.toISOString(),
      series: {
        at: minutes.map((m) => m.minute.getTime() / 1000),
        ...Object.fromEntries(TRAFFIC_SERIES.map((name) => [name, minutes.map((m) => m[name])]))
      }
    })
  })

  router.get('/api/deletions/acks', options.requireAdmin, async (req, res) => {
    const { before, limit } = parseQuery(deletionsQuery, req.query)
    const deletions = await options.deletions.recent(before, limit)
    res.json({
      deletions: deletions.map((d) => ({
        notice: d.notice,
        acks: d.acks.map((ack) => ({ domain: ack.domain, ackedAt: ack.ackedAt.toISOString() })),
        pending: d.pending,
        overdue: d.pending.length > 0 && Date.now() - Date.parse(d.notice.deletedAt) > options.ackTimeoutMs
      })),
      next: deletions.length === limit ? deletions.at(-1)!.notice.seq : null
    })
  })

  return router
}
