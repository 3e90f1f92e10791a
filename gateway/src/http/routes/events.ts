import { Router } from 'express'
import { z } from 'zod'
import { HttpError } from '../../errors.ts'
import type { EventStreams } from '../../events/event-streams.ts'
import { parseQuery } from './media-api.ts'

const eventsQuery = z.object({ after: z.string().optional() }).strict()
const SEQ = /^\d{1,15}$/

/** `Last-Event-ID` (what EventSource sends on reconnect) wins over `?after`; neither means live events only. */
export function parseCursor (lastEventId: string | string[] | undefined, after: string | undefined): number | undefined {
  const text = Array.isArray(lastEventId) ? lastEventId.join(',') : lastEventId
  const value = text !== undefined && text !== '' ? text : after
  if (value === undefined) return undefined
  if (!SEQ.test(value)) throw new HttpError('invalid_cursor', `${JSON.stringify(value.slice(0, 40))} is not an event seq: Last-Event-ID and ?after take the id of the last event received`)
  return Number(value)
}

/** `GET /api/events`: Server-Sent Events, public (events carry public manifests), resumable. */
export function eventsApi (options: { streams: EventStreams }): Router {
  const router = Router()
  router.get('/api/events', async (req, res) => {
    const { after } = parseQuery(eventsQuery, req.query)
    await options.streams.serve(req, res, parseCursor(req.headers['last-event-id'], after))
  })
  return router
}
