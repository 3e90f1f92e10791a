import { resolve } from 'node:path'
import { z } from 'zod'
import { configValues, definedOnly, parseEnv } from '@fedswarm/runtime'

/** Everything a seeder can be told, parsed once from env and flags. */
export interface SeederConfig {
  host: string
  port: number
  /** The address other servers and clients reach this seeder at: its identity (domain) and mirror base. */
  publicUrl: string
  dataDir: string
  /** Origins this seeder helps, without trailing slash. */
  origins: string[]
  database: { url?: string, schema?: string }
  /** Bytes of media kept on disk at most. */
  quota: number
  /** Bytes per second; undefined = unlimited. */
  uploadLimit?: number
  downloadLimit?: number
  /** Torrents in the swarm at once; the rest are served over HTTP only. */
  maxActive: number
  torrentPort: number
  /** Also join the WebRTC swarm, for browsers using the SDK (FEDSWARM_WEBRTC=on); off by default. */
  webrtc: boolean
  /** An item is never evicted before it has been held this long (ms). */
  minLifetime: number
  /** A fetch that has received nothing from peers for this long adds the origin's web seed (ms). */
  webSeedAfter: number
  /** Poll interval when the origin's event stream is unavailable (ms). */
  pollInterval: number
  logLevel: string
  /** FEDSWARM_ADMIN_TOKEN: the bearer token of the seeder's admin API; unset, one is kept in the data folder. */
  adminToken?: string
  /** FEDSWARM_REFUSE_LIST: a file of hashes this seeder refuses (absolute path), followed as it changes. */
  refuseList?: string
}

export interface SeederFlags {
  origins?: string[]
  port?: string
  data?: string
  publicUrl?: string
}

export class SeederConfigError extends Error {
  override readonly name = 'SeederConfigError'
  readonly code = 'ERR_CONFIG'
}

const { size, duration, port, positiveInt, httpUrl } = configValues

const envSchema = z.object({
  PORT: port.default(8090),
  FEDSWARM_HOST: z.string().min(1).default('0.0.0.0'),
  FEDSWARM_PUBLIC_URL: httpUrl.optional(),
  FEDSWARM_DATA: z.string().min(1).default('./seeder-data'),
  FEDSWARM_ORIGINS: z.string().min(1).optional(),
  DATABASE_URL: configValues.databaseUrl.optional(),
  FEDSWARM_DB_SCHEMA: configValues.dbSchema.optional(),
  FEDSWARM_QUOTA: size.default(10 * 1024 ** 3),
  FEDSWARM_UPLOAD_LIMIT: size.optional(),
  FEDSWARM_DOWNLOAD_LIMIT: size.optional(),
  FEDSWARM_MAX_ACTIVE_TORRENTS: positiveInt.max(1000).default(50),
  FEDSWARM_TORRENT_PORT: port.optional(),
  FEDSWARM_WEBRTC: z.enum(['on', 'off']).default('off'),
  FEDSWARM_MIN_LIFETIME: duration.default(60 * 60_000),
  FEDSWARM_WEBSEED_AFTER: duration.default(5000),
  FEDSWARM_POLL_INTERVAL: duration.default(30_000),
  FEDSWARM_LOG_LEVEL: configValues.logLevel.default('info'),
  FEDSWARM_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  FEDSWARM_REFUSE_LIST: z.string().min(1).optional()
})

export function parseSeederConfig (env: Record<string, string | undefined>, flags: SeederFlags = {}): SeederConfig {
  const merged = definedOnly({
    ...env,
    PORT: flags.port ?? env.PORT,
    FEDSWARM_DATA: flags.data ?? env.FEDSWARM_DATA,
    FEDSWARM_PUBLIC_URL: flags.publicUrl ?? env.FEDSWARM_PUBLIC_URL,
    FEDSWARM_ORIGINS: flags.origins !== undefined && flags.origins.length > 0 ? flags.origins.join(',') : env.FEDSWARM_ORIGINS
  })
  const parsed = parseEnv(envSchema, merged)
  if (!parsed.ok) throw new SeederConfigError(parsed.message)
  const e = parsed.value
  const origins = (e.FEDSWARM_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean)
  if (origins.length === 0) throw new SeederConfigError('no origin to help: pass --origin URL (or FEDSWARM_ORIGINS)')
  for (const origin of origins) {
    if (!httpUrl.safeParse(origin).success) throw new SeederConfigError(`invalid origin ${JSON.stringify(origin)}: an http(s) URL`)
  }
  const publicUrl = (e.FEDSWARM_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '')
  if (new URL(publicUrl).pathname !== '/' && new URL(publicUrl).pathname !== '') {
    throw new SeederConfigError('invalid FEDSWARM_PUBLIC_URL: a seeder is identified by its host, so the URL has no path')
  }
  return {
    host: e.FEDSWARM_HOST,
    port: e.PORT,
    publicUrl,
    dataDir: resolve(e.FEDSWARM_DATA),
    origins: [...new Set(origins.map((o) => o.replace(/\/+$/, '')))],
    database: { url: e.DATABASE_URL, schema: e.FEDSWARM_DB_SCHEMA },
    quota: e.FEDSWARM_QUOTA,
    uploadLimit: e.FEDSWARM_UPLOAD_LIMIT,
    downloadLimit: e.FEDSWARM_DOWNLOAD_LIMIT,
    maxActive: e.FEDSWARM_MAX_ACTIVE_TORRENTS,
    torrentPort: e.FEDSWARM_TORRENT_PORT ?? (e.PORT === 0 ? 0 : Math.min(e.PORT + 1, 65535)),
    webrtc: e.FEDSWARM_WEBRTC === 'on',
    minLifetime: e.FEDSWARM_MIN_LIFETIME,
    webSeedAfter: e.FEDSWARM_WEBSEED_AFTER,
    pollInterval: e.FEDSWARM_POLL_INTERVAL,
    logLevel: e.FEDSWARM_LOG_LEVEL,
    adminToken: e.FEDSWARM_ADMIN_TOKEN,
    refuseList: e.FEDSWARM_REFUSE_LIST === undefined ? undefined : resolve(e.FEDSWARM_REFUSE_LIST)
  }
}
