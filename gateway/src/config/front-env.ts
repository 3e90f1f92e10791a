import { resolve } from 'node:path'
import { z } from 'zod'
import { configValues, parseEnv } from '@fedswarm/runtime'
import type { FrontConfig } from '../front/front-config.ts'
import { RESERVED_SEGMENTS } from '../front/front-path.ts'

const { size, duration } = configValues

const PREFIX = /^(\/[A-Za-z0-9_][A-Za-z0-9_.@+=-]*)+$/

const frontEnvSchema = z.object({
  FEDSWARM_FRONT: z.enum(['off', 's3', 'fs']).default('off'),
  FEDSWARM_FRONT_ROOT: z.string().min(1).optional(),
  FEDSWARM_FRONT_PREFIX: z.string().transform((text) => text.replace(/\/+$/, '')).pipe(z.union([
    z.literal(''),
    z.string().regex(PREFIX, 'must look like /system: "/"-separated names').refine(
      (prefix) => !RESERVED_SEGMENTS.has(prefix.split('/')[1]?.toLowerCase() ?? ''), 'must not start with a path the origin itself serves (/api, /media...)')
  ])).default(''),
  FEDSWARM_FRONT_CHECK_INTERVAL: duration.pipe(z.number().min(100, 'must be at least 100ms').max(7 * 86_400_000, 'must be at most 7d')).default(5 * 60_000),
  FEDSWARM_FRONT_CACHE_SIZE: size.default(1024 ** 3)
})

/** The front's part of the origin's env; `s3Configured`: `S3_BUCKET` is set. Undefined when the front is off. */
export function parseFrontConfig (env: Record<string, string>, s3Configured: boolean): { ok: true, value: FrontConfig | undefined } | { ok: false, message: string } {
  const parsed = parseEnv(frontEnvSchema, env)
  if (!parsed.ok) return parsed
  const e = parsed.value
  if (e.FEDSWARM_FRONT === 'off') {
    const stray = (['FEDSWARM_FRONT_ROOT', 'FEDSWARM_FRONT_PREFIX'] as const).find((name) => env[name] !== undefined)
    return stray === undefined ? { ok: true, value: undefined } : { ok: false, message: `${stray} is set but FEDSWARM_FRONT is not (s3 or fs)` }
  }
  if (e.FEDSWARM_FRONT === 's3' && !s3Configured) return { ok: false, message: 'FEDSWARM_FRONT=s3 reads the bucket of S3_BUCKET (and S3_ENDPOINT...): set S3_BUCKET' }
  if (e.FEDSWARM_FRONT === 'fs' && e.FEDSWARM_FRONT_ROOT === undefined) return { ok: false, message: 'FEDSWARM_FRONT=fs needs FEDSWARM_FRONT_ROOT, the folder to serve (Mastodon: public/system)' }
  if (e.FEDSWARM_FRONT === 's3' && e.FEDSWARM_FRONT_ROOT !== undefined) return { ok: false, message: 'FEDSWARM_FRONT_ROOT is for FEDSWARM_FRONT=fs only' }
  return {
    ok: true,
    value: {
      store: e.FEDSWARM_FRONT,
      root: e.FEDSWARM_FRONT_ROOT === undefined ? undefined : resolve(e.FEDSWARM_FRONT_ROOT),
      prefix: e.FEDSWARM_FRONT_PREFIX,
      checkIntervalMs: e.FEDSWARM_FRONT_CHECK_INTERVAL,
      cacheSize: e.FEDSWARM_FRONT_CACHE_SIZE
    }
  }
}
