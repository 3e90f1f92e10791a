import { z } from 'zod'
import { manifestSchema } from './manifest-schema.ts'

/**
 * What an origin's answer to a seeder's registration (`POST /api/instances`)
 * may carry: a canary, a small item of random bytes made for that seeder
 * alone. The seeder fetches it at once (from the origin's web seed: nobody
 * else has it), reports holding it, and the origin verifies its copy like
 * any other: that earns the seeder trust within seconds of registering.
 * It keeps the copy until `expiresAt`, then drops it; the canary is never
 * announced, and no deletion notice is ever sent for it.
 */
export const canaryOfferSchema = z.object({
  manifest: manifestSchema,
  expiresAt: z.iso.datetime({ offset: true })
})

export type CanaryOffer = z.infer<typeof canaryOfferSchema>
