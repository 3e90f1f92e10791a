import { resolve } from 'node:path'
import { z } from 'zod'
import { configValues, parseEnv } from '@fedswarm/runtime'
import type { FrontConfig } from '../front/front-config.ts'
import { RESERVED_SEGMENTS } from '../front/front-path.ts'

const { size, duration } = configValues

/** Methods Node's HTTP parser accepts that mean nothing else on the front's keys (GET is told apart by the secret header). */
const BUSTER_METHODS = ['GET', 'PURGE', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
const ORDINARY_HEADERS: ReadonlySet<string> = new Set([
  'accept', 'accept-encoding', 'accept-language', 'authorization', 'cache-control', 'connection', 'content-length', 'content-type', 'cookie', 'forwarded',
  'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'origin', 'pragma', 'range', 'referer', 'user-agent', 'x-forwarded-for', 'x-forwarded-proto', 'x-real-ip'
])

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
  FEDSWARM_FRONT_CACHE_SIZE: size.default(1024 ** 3),
  FEDSWARM_CACHE_BUSTER_METHOD: z.string().transform((text) => text.toUpperCase()).pipe(z.enum(BUSTER_METHODS, {
    error: `must be one of ${BUSTER_METHODS.join(', ')}: the method of Mastodon's CACHE_BUSTER_HTTP_METHOD (GET unless set)`
  })).default('GET'),
  // Letters, digits and '-' only: nginx drops headers with '_' unless told otherwise (underscores_in_headers).
  FEDSWARM_CACHE_BUSTER_SECRET_HEADER: z.string().regex(/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/, 'must be a header name of letters, digits and "-"')
    .refine((name) => !ORDINARY_HEADERS.has(name.toLowerCase()), 'must be a header of its own, not one browsers or proxies send').default('Fedswarm-Cache-Buster-Secret'),
  FEDSWARM_CACHE_BUSTER_SECRET: z.string().min(16, 'must be at least 16 characters').optional()
})

const BUSTER_SETTINGS = ['FEDSWARM_CACHE_BUSTER_METHOD', 'FEDSWARM_CACHE_BUSTER_SECRET_HEADER', 'FEDSWARM_CACHE_BUSTER_SECRET'] as const

/** The front's part of the origin's env; `s3Configured`: `S3_BUCKET` is set. Undefined when the front is off. */
export function parseFrontConfig (env: Record<string, string>, s3Configured: boolean): { ok: true, value: FrontConfig | undefined } | { ok: false, message: string } {
  const parsed = parseEnv(frontEnvSchema, env)
  if (!parsed.ok) return parsed
  const e = parsed.value
  if (e.FEDSWARM_FRONT === 'off') {
    const stray = (['FEDSWARM_FRONT_ROOT', 'FEDSWARM_FRONT_PREFIX', ...BUSTER_SETTINGS] as const).find((name) => env[name] !== undefined)
    return stray === undefined ? { ok: true, value: undefined } : { ok: false, message: `${stray} is set but FEDSWARM_FRONT is not (s3 or fs)` }
  }
  if (e.FEDSWARM_FRONT === 's3' && !s3Configured) return { ok: false, message: 'FEDSWARM_FRONT=s3 reads the bucket of S3_BUCKET (and S3_ENDPOINT...): set S3_BUCKET' }
  if (e.FEDSWARM_FRONT === 'fs' && e.FEDSWARM_FRONT_ROOT === undefined) return { ok: false, message: 'FEDSWARM_FRONT=fs needs FEDSWARM_FRONT_ROOT, the folder to serve (Mastodon: public/system)' }
  if (e.FEDSWARM_FRONT === 's3' && e.FEDSWARM_FRONT_ROOT !== undefined) return { ok: false, message: 'FEDSWARM_FRONT_ROOT is for FEDSWARM_FRONT=fs only' }
  const orphan = BUSTER_SETTINGS.slice(0, 2).find((name) => env[name] !== undefined)
  if (e.FEDSWARM_CACHE_BUSTER_SECRET === undefined && orphan !== undefined) {
    return { ok: false, message: `${orphan} is set but FEDSWARM_CACHE_BUSTER_SECRET is not: the cache buster is on only with a secret (Mastodon's CACHE_BUSTER_SECRET)` }
  }
  return {
    ok: true,
    value: {
      store: e.FEDSWARM_FRONT,
      root: e.FEDSWARM_FRONT_ROOT === undefined ? undefined : resolve(e.FEDSWARM_FRONT_ROOT),
      prefix: e.FEDSWARM_FRONT_PREFIX,
      checkIntervalMs: e.FEDSWARM_FRONT_CHECK_INTERVAL,
      cacheSize: e.FEDSWARM_FRONT_CACHE_SIZE,
      ...(e.FEDSWARM_CACHE_BUSTER_SECRET === undefined
        ? {}
        : { cacheBuster: { method: e.FEDSWARM_CACHE_BUSTER_METHOD, header: e.FEDSWARM_CACHE_BUSTER_SECRET_HEADER.toLowerCase(), secret: e.FEDSWARM_CACHE_BUSTER_SECRET } })
    }
  }
}
