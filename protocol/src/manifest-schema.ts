import * as z from 'zod/mini'
import { SHA256_BASE64URL } from './digest.ts'
import { INFO_HASH } from './info-hash.ts'
import { MANIFEST_TYPE, type Manifest } from './manifest.ts'

/** The origin, its seeders and the SDK all fetch these, so nothing but http(s). */
const httpUrl = (): z.ZodMiniURL => z.url({ protocol: /^https?$/ })

/**
 * The one check of a manifest, for the origin, seeders and the SDK alike.
 * zod/mini, not zod: the SDK's browser bundle carries it.
 */
export const manifestSchema: z.ZodMiniType<Manifest> = z.object({
  type: z.literal(MANIFEST_TYPE),
  id: z.string().check(z.minLength(1)),
  mediaType: z.string().check(z.minLength(1)),
  size: z.int().check(z.nonnegative()),
  sha256: z.string().check(z.regex(SHA256_BASE64URL)),
  digestMultibase: z.string().check(z.startsWith('z')),
  infoHash: z.string().check(z.regex(INFO_HASH)),
  pieceLength: z.int().check(z.positive()),
  url: httpUrl(),
  torrentUrl: httpUrl(),
  magnet: z.string().check(z.startsWith('magnet:?')),
  trackers: z.array(z.string()),
  webSeeds: z.array(httpUrl()),
  mirrors: z.array(httpUrl()),
  createdAt: z.iso.datetime({ offset: true })
})
