import { z } from 'zod'
import { manifestSchema } from './manifest.ts'

/**
 * What an origin tells its seeders, in order: `seq` is the event's place in
 * the origin's log (the SSE event id, the cursor to resume from), `at` when
 * it was appended. The deletion issue adds `deleted`.
 */
export const hotEventSchema = z.object({
  seq: z.number().int().positive(),
  type: z.literal('hot'),
  manifest: manifestSchema,
  at: z.iso.datetime({ offset: true })
})

export const originEventSchema = z.discriminatedUnion('type', [hotEventSchema])

export type HotEvent = z.infer<typeof hotEventSchema>
export type OriginEvent = z.infer<typeof originEventSchema>
export type OriginEventType = OriginEvent['type']
