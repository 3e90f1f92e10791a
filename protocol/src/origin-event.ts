import { z } from 'zod'
import { deletionNoticeSchema } from './deletion-notice.ts'
import { manifestSchema } from './manifest-schema.ts'

/**
 * What an origin tells its seeders, in order: `seq` is the event's place in
 * the origin's log (the SSE event id, the cursor to resume from), `at` when
 * it was appended. `hot`: seeders fetch and seed the item; `deleted`: they
 * check the notice's signature, purge the item and ack the notice's seq (a
 * seq of its own, not the event's).
 */
export const hotEventSchema = z.object({
  seq: z.number().int().positive(),
  type: z.literal('hot'),
  manifest: manifestSchema,
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
