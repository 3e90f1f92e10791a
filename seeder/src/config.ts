import { resolve } from 'node:path'
import { z } from 'zod'
import { configValues, definedOnly, MAX_SERVER_ADDRESSES, parseEnv, parseServerAddress } from '@fedswarm/runtime'
import { isFilterEntry, type OriginFilter } from './origin-filter.ts'

/**
 * How a seeder fetches (FEDSWARM_TRANSPORT): through the BitTorrent swarm,
 * listening on `torrentPort`, or over HTTP only, from the origin's web seed
 * and other seeders' mirrors, with no BitTorrent port (where BitTorrent is
 * not allowed).
 */
export type SeederTransport = { kind: 'bittorrent', torrentPort: number } | { kind: 'http' }

/** Everything a seeder can be told, parsed once from env and flags. */
export interface SeederConfig {
  host: string
  port: number
  /** The address other servers and clients reach this seeder at: its identity (domain) and mirror base. */
  publicUrl: string
  dataDir: string
  /** Origins this seeder helps, named by hand (`--origin`), without trailing slash. */
  origins: string[]
  /** Finding origins among the servers a list names (`--discover-from`); undefined: only `origins`. */
  discovery?: { listUrl: string, interval: number }
  /** Whom to help, configured and discovered origins alike (origin-filter.ts). */
  filter: OriginFilter
  /** The most origins followed at once: configured ones first. */
  maxOrigins: number
  /**
   * Outbound fetches to hosts named by others (discovery probes, the mirrors an origin lists) may reach private
   * addresses, and lists may name http URLs: tests and private networks only.
   */
  allowPrivateAddresses: boolean
  database: { url?: string, schema?: string }
  /** Bytes of media kept on disk at most. */
  quota: number
  /** Bytes per second; undefined = unlimited. */
  uploadLimit?: number
  downloadLimit?: number
  /** Torrents in the swarm at once; the rest are served over HTTP only. */
  maxActive: number
  transport: SeederTransport
  /** Also join the WebRTC swarm, for browsers using the SDK (FEDSWARM_WEBRTC=on); off by default. */
  webrtc: boolean
  /** An item is never evicted before it has been held this long (ms). */
  minLifetime: number
  /** A fetch that has verified nothing from peers (or, over HTTP, from mirrors) for this long asks the origin's web seed (ms). */
  webSeedAfter: number
  /** Poll interval when the origin's event stream is unavailable (ms). */
  pollInterval: number
  /**
   * FEDSWARM_SERVER_ADDRESSES: the addresses (or prefixes no wider than IPv4
   * /24, IPv6 /48) its own server fetches media from, sent in its
   * registration so that origins redirect that server's GETs here
   * (canonical prefixes; `self` alone: only the addresses origins see this
   * seeder use). Undefined: no locality claim.
   */
  serverAddresses?: string[]
  logLevel: string
  /** FEDSWARM_ADMIN_TOKEN: the bearer token of the seeder's admin API; unset, one is kept in the data folder. */
  adminToken?: string
  /** FEDSWARM_REFUSE_LIST: a file of hashes this seeder refuses (absolute path), followed as it changes. */
  refuseList?: string
}

export interface SeederFlags {
  origins?: string[]
  discoverFrom?: string
  port?: string
  data?: string
  publicUrl?: string
}

export class SeederConfigError extends Error {
  override readonly name = 'SeederConfigError'
  readonly code = 'ERR_CONFIG'
}

const { size, duration, port, positiveInt, httpUrl, bool } = configValues

/** A list of domains (`host` or `host:port`), comma- or space-separated. */
const domainList = z.string().transform((text, ctx) => {
  const entries = text.split(/[\s,]+/).filter(Boolean)
  const bad = entries.find((entry) => !isFilterEntry(entry))
  if (bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(bad)} is not a domain (lowercase host, or host:port)` })
    return z.NEVER
  }
  return entries
})

/** `self` and addresses or narrow prefixes, comma separated; its own host's addresses are always implied (the origin sees them). */
const serverAddresses = z.string().transform((text, ctx) => {
  const prefixes = new Set<string>()
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    if (entry.toLowerCase() === 'self') continue
    try {
      prefixes.add(parseServerAddress(entry))
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; give "self" and/or addresses or prefixes, comma separated` })
      return z.NEVER
    }
  }
  if (prefixes.size > MAX_SERVER_ADDRESSES) {
    ctx.addIssue({ code: 'custom', message: `${prefixes.size} entries, at most ${MAX_SERVER_ADDRESSES}` })
    return z.NEVER
  }
  return [...prefixes]
})

const envSchema = z.object({
  PORT: port.default(8090),
  FEDSWARM_HOST: z.string().min(1).default('0.0.0.0'),
  FEDSWARM_PUBLIC_URL: httpUrl.optional(),
  FEDSWARM_DATA: z.string().min(1).default('./seeder-data'),
  FEDSWARM_ORIGINS: z.string().min(1).optional(),
  FEDSWARM_DISCOVER_FROM: httpUrl.optional(),
  FEDSWARM_DISCOVER_INTERVAL: duration.pipe(z.number().min(1000, 'at least 1s')).default(3_600_000),
  FEDSWARM_HELP_ONLY: domainList.default([]),
  FEDSWARM_NEVER_HELP: domainList.default([]),
  FEDSWARM_MAX_ORIGINS: positiveInt.default(1000),
  FEDSWARM_ALLOW_PRIVATE_ADDRESSES: bool.default(false),
  DATABASE_URL: configValues.databaseUrl.optional(),
  FEDSWARM_DB_SCHEMA: configValues.dbSchema.optional(),
  FEDSWARM_QUOTA: size.default(10 * 1024 ** 3),
  FEDSWARM_UPLOAD_LIMIT: size.optional(),
  FEDSWARM_DOWNLOAD_LIMIT: size.optional(),
  FEDSWARM_MAX_ACTIVE_TORRENTS: positiveInt.max(1000).default(50),
  FEDSWARM_TRANSPORT: z.enum(['bittorrent', 'http']).default('bittorrent'),
  FEDSWARM_TORRENT_PORT: port.optional(),
  FEDSWARM_WEBRTC: z.enum(['on', 'off']).default('off'),
  FEDSWARM_MIN_LIFETIME: duration.default(60 * 60_000),
  FEDSWARM_WEBSEED_AFTER: duration.default(5000),
  FEDSWARM_POLL_INTERVAL: duration.default(30_000),
  FEDSWARM_SERVER_ADDRESSES: serverAddresses.optional(),
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
    FEDSWARM_ORIGINS: flags.origins !== undefined && flags.origins.length > 0 ? flags.origins.join(',') : env.FEDSWARM_ORIGINS,
    FEDSWARM_DISCOVER_FROM: flags.discoverFrom ?? env.FEDSWARM_DISCOVER_FROM
  })
  const parsed = parseEnv(envSchema, merged, {
    PORT: flags.port === undefined ? undefined : '--port',
    FEDSWARM_DATA: flags.data === undefined ? undefined : '--data',
    FEDSWARM_PUBLIC_URL: flags.publicUrl === undefined ? undefined : '--public-url',
    FEDSWARM_ORIGINS: flags.origins !== undefined && flags.origins.length > 0 ? '--origin' : undefined,
    FEDSWARM_DISCOVER_FROM: flags.discoverFrom === undefined ? undefined : '--discover-from'
  })
  if (!parsed.ok) throw new SeederConfigError(parsed.message)
  const e = parsed.value
  const origins = (e.FEDSWARM_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean)
  if (origins.length === 0 && e.FEDSWARM_DISCOVER_FROM === undefined) {
    throw new SeederConfigError('no origin to help: pass --origin URL (or FEDSWARM_ORIGINS), or --discover-from URL (or FEDSWARM_DISCOVER_FROM)')
  }
  for (const origin of origins) {
    if (!httpUrl.safeParse(origin).success) {
      const name = flags.origins !== undefined && flags.origins.length > 0 ? '--origin' : 'FEDSWARM_ORIGINS'
      throw new SeederConfigError(`invalid ${name} ${JSON.stringify(origin)}: must be an http(s) URL${/^[a-z][a-z0-9+.-]*:\/\//i.test(origin) ? '' : `, such as http://${origin}`}`)
    }
  }
  if (e.FEDSWARM_TRANSPORT === 'http' && e.FEDSWARM_TORRENT_PORT !== undefined) throw new SeederConfigError('invalid FEDSWARM_TORRENT_PORT: FEDSWARM_TRANSPORT=http opens no BitTorrent port')
  if (e.FEDSWARM_TRANSPORT === 'http' && e.FEDSWARM_WEBRTC === 'on') throw new SeederConfigError('invalid FEDSWARM_WEBRTC: FEDSWARM_TRANSPORT=http joins no swarm, WebRTC or other')
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
    discovery: e.FEDSWARM_DISCOVER_FROM === undefined ? undefined : { listUrl: e.FEDSWARM_DISCOVER_FROM, interval: e.FEDSWARM_DISCOVER_INTERVAL },
    filter: { helpOnly: e.FEDSWARM_HELP_ONLY, neverHelp: e.FEDSWARM_NEVER_HELP },
    maxOrigins: e.FEDSWARM_MAX_ORIGINS,
    allowPrivateAddresses: e.FEDSWARM_ALLOW_PRIVATE_ADDRESSES,
    database: { url: e.DATABASE_URL, schema: e.FEDSWARM_DB_SCHEMA },
    quota: e.FEDSWARM_QUOTA,
    uploadLimit: e.FEDSWARM_UPLOAD_LIMIT,
    downloadLimit: e.FEDSWARM_DOWNLOAD_LIMIT,
    maxActive: e.FEDSWARM_MAX_ACTIVE_TORRENTS,
    transport: e.FEDSWARM_TRANSPORT === 'http' ? { kind: 'http' } : { kind: 'bittorrent', torrentPort: e.FEDSWARM_TORRENT_PORT ?? (e.PORT === 0 ? 0 : Math.min(e.PORT + 1, 65535)) },
    webrtc: e.FEDSWARM_WEBRTC === 'on',
    minLifetime: e.FEDSWARM_MIN_LIFETIME,
    webSeedAfter: e.FEDSWARM_WEBSEED_AFTER,
    pollInterval: e.FEDSWARM_POLL_INTERVAL,
    serverAddresses: e.FEDSWARM_SERVER_ADDRESSES,
    logLevel: e.FEDSWARM_LOG_LEVEL,
    adminToken: e.FEDSWARM_ADMIN_TOKEN,
    refuseList: e.FEDSWARM_REFUSE_LIST === undefined ? undefined : resolve(e.FEDSWARM_REFUSE_LIST)
  }
}
