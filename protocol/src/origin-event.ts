import { z } from 'zod'
import { deletionNoticeSchema } from './deletion-notice.ts'
import { manifestSchema } from './manifest-schema.ts'

/** A torrent longer than this (base64) is not sent in a `hot` event; seeders fetch it from `torrentUrl`. */
export const MAX_EVENT_TORRENT_LENGTH = 64 * 1024

/**
 * What an origin tells its seeders, in order: `seq` is the event's place in
 * the origin's log (the SSE event id, the cursor to resume from), `at` when
 * it was appended. `hot`: seeders fetch and seed the item, starting from
 * `torrent` (the torrent file, base64) when the event carries it: every
 * seeder asking for it at once at a publish took a round trip to a busy
 * origin; `deleted`: they check the notice's signature, purge the item and
 * ack the notice's seq (a seq of its own, not the event's).
 */
export const hotEventSchema = z.object({
  seq: z.number().int().positive(),
  type: z.literal('hot'),
  manifest: manifestSchema,
  torrent: z.base64().max(MAX_EVENT_TORRENT_LENGTH).optional(),
  at: z.iso.datetime({ offset: true })
})

export const deletedEventSchema = z.object({
  seq: z.number().int().positive(),
  type: z.literal('deleted'),
  notice: deletionNoticeSchema,
  at: z.iso.datetime({ offset: true })
})

export const originEventSchema = z.discriminatedUnion('type', [hotEventSchema, deletedEventSchema])

export type HotEvent = z.infer<typeof hotEventSchema>
export type DeletedEvent = z.infer<typeof deletedEventSchema>
export type OriginEvent = z.infer<typeof originEventSchema>
export type OriginEventType = OriginEvent['type']
