import { resolve } from 'node:path'
import { z } from 'zod'
import { configValues, definedOnly, parseEnv } from '@fedswarm/runtime'
import { PEER_POLICIES, type PeerPolicy } from '@fedswarm/tracker'
import { DEFAULT_REDIRECT_MIN_SIZE, REDIRECT_POLICIES, type RedirectPolicy } from '../mirrors/redirect-policy.ts'
import type { FrontConfig } from '../front/front-config.ts'
import type { RedirectTargets } from '../mirrors/redirect-targets.ts'
import type { SeederAcceptance, SeederDomain } from '../seeders/instance-registry.ts'
import { parseFrontConfig } from './front-env.ts'

/**
 * Everything the origin can be told, parsed once at the edge (env and CLI
 * flags) into one typed object. Nothing else reads process.env.
 */
export interface OriginConfig {
  host: string
  port: number
  publicUrl: string
  dataDir: string
  database: { url?: string, schema?: string }
  s3?: {
    bucket: string
    region: string
    endpoint?: string
    forcePathStyle: boolean
    credentials?: { accessKeyId: string, secretAccessKey: string }
  }
  /** When absent, a token is generated on first start and kept in the data folder. */
  adminToken?: string
  maxMediaSize: number
  mediaTypes: string[]
  /** Folder under which `POST /api/media/import` may read files; absent = file import off. */
  importRoot?: string
  seeding: { uploadLimit?: number, maxActive: number, torrentPort: number }
  /** peerPolicy: which peers the tracker hands out (FEDSWARM_PEERS; tracker/src/peer-policy.ts). */
  tracker: { maxPeersPerAnswer: number, announceIntervalSeconds: number, announcesPerSecondPerIp: number, peerPolicy: PeerPolicy }
  trustProxy: boolean
  /** Requests per minute per address on /api. */
  apiRatePerMinute: number
  /** Open `/api/events` streams allowed per client address. */
  eventStreamsPerAddress: number
  /** Who may register as a seeder (`POST /api/instances`). */
  acceptSeeders: SeederAcceptance
  /** Outgoing fetches (seeders' well-known documents) may reach private, loopback and link-local addresses. */
  allowPrivateAddresses: boolean
  /** Recent requests (the decayed count of /api/popular) at which an item becomes hot. */
  hotThreshold: number
  /** A seeder with a deletion notice un-acked for longer (ms) is marked stale. */
  ackTimeoutMs: number
  /** `GET /media/:id` answered with a 302 to a verified mirror (see redirect-policy.ts), and the checks of mirrors. */
  redirects: {
    policy: RedirectPolicy
    /** The seeders plain fetchers may be sent to (FEDSWARM_REDIRECT_TO); none by default. */
    to: RedirectTargets
    /** Items smaller than this (bytes) are always served directly. */
    minSize: number
    /** How long a GET of an item hot for less than a minute may wait for a mirror when none has it yet (ms). */
    waitMs: number
    /** Bytes per second the origin's link can send (FEDSWARM_UPLOAD_CAPACITY): while its upload has room, GETs are served here (upload-room.ts); absent: unknown. */
    uploadCapacity?: number
    /** At most one spot check per mirror per interval (ms); holdings are re-read as often (a minute at most; less often when a read is slow, see mirror-checks.ts). */
    checkIntervalMs: number
  }
  /** Shared state of several origin processes (REDIS_URL, keys under FEDSWARM_REDIS_PREFIX); absent: all in this process. */
  redis?: { url: string, prefix: string }
  /** The drop-in front for an existing server's store (FEDSWARM_FRONT_*); absent when off. */
  front?: FrontConfig
  /** Origin processes on this machine sharing the port (FEDSWARM_WORKERS, `--workers`); above 1 needs PostgreSQL and Redis. */
  workers: number
  logLevel: string
}

export const DEFAULT_MEDIA_TYPES = [
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/heic',
  'video/mp4', 'video/webm', 'video/quicktime',
  'audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/flac', 'audio/mp4', 'audio/webm', 'audio/opus'
]

/** CLI flags override the env variables of the same meaning. */
export interface OriginFlags {
  port?: string
  data?: string
  publicUrl?: string
  workers?: string
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'ERR_CONFIG'
}

const { size, duration, port, positiveInt, bool, httpUrl } = configValues

const ACCEPTED_DOMAIN = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/

/** A comma list of seeder domains (`host` or `host:port`), or the one `keyword` meaning every seeder of its kind. */
function seederDomains<K extends string> (keyword: K) {
  return z.string().transform((text, ctx): K | SeederDomain[] => {
    if (text.trim().toLowerCase() === keyword) return keyword
    const domains: SeederDomain[] = []
    for (const entry of text.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean)) {
      const match = ACCEPTED_DOMAIN.exec(entry)
      const port = match?.[2] === undefined ? undefined : Number(match[2])
      if (match === null || (port !== undefined && (port < 1 || port > 65535))) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not a domain (host or host:port), and the value is not "${keyword}"` })
        return z.NEVER
      }
      domains.push({ host: match[1]!, port })
    }
    if (domains.length === 0) {
      ctx.addIssue({ code: 'custom', message: `give "${keyword}" or a comma-separated list of domains` })
      return z.NEVER
    }
    return domains
  })
}

const envSchema = z.object({
  PORT: port.default(8080),
  FEDSWARM_HOST: z.string().min(1).default('0.0.0.0'),
  FEDSWARM_PUBLIC_URL: httpUrl.optional(),
  FEDSWARM_DATA: z.string().min(1).default('./data'),
  DATABASE_URL: configValues.databaseUrl.optional(),
  FEDSWARM_DB_SCHEMA: configValues.dbSchema.optional(),
  S3_BUCKET: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: httpUrl.optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  FEDSWARM_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  FEDSWARM_MAX_MEDIA_SIZE: size.default(100 * 1024 * 1024),
  FEDSWARM_MEDIA_TYPES: z.string().min(1).optional(),
  FEDSWARM_IMPORT_ROOT: z.string().min(1).optional(),
  FEDSWARM_UPLOAD_LIMIT: size.optional(),
  FEDSWARM_UPLOAD_CAPACITY: size.pipe(z.number().min(1024, 'must be at least 1KB (bytes per second)')).optional(),
  FEDSWARM_MAX_ACTIVE_TORRENTS: positiveInt.default(50),
  FEDSWARM_TORRENT_PORT: port.optional(),
  FEDSWARM_TRACKER_MAX_PEERS: positiveInt.max(200).default(50),
  FEDSWARM_ANNOUNCE_INTERVAL: positiveInt.default(120),
  FEDSWARM_ANNOUNCE_RATE: positiveInt.default(20),
  FEDSWARM_PEERS: z.enum(PEER_POLICIES).default('all'),
  FEDSWARM_TRUST_PROXY: bool.default(false),
  FEDSWARM_EVENT_STREAMS_PER_ADDRESS: positiveInt.max(10_000).default(10),
  FEDSWARM_API_RATE: positiveInt.default(600),
  FEDSWARM_ACCEPT_SEEDERS: seederDomains('anybody').default('anybody'),
  FEDSWARM_ALLOW_PRIVATE_ADDRESSES: bool.default(false),
  FEDSWARM_HOT_THRESHOLD: z.coerce.number().positive().max(1e9).default(10),
  FEDSWARM_ACK_TIMEOUT: duration.pipe(z.number().min(100, 'must be at least 100ms').max(7 * 86_400_000, 'must be at most 7d')).default(10 * 60_000),
  FEDSWARM_REDIRECT: z.enum(REDIRECT_POLICIES).default('hot'),
  FEDSWARM_REDIRECT_TO: seederDomains('any-accepted').optional(),
  FEDSWARM_REDIRECT_MIN_SIZE: size.default(DEFAULT_REDIRECT_MIN_SIZE),
  // Well under the read timeouts of fediverse fetchers (Mastodon's is 10 s): the wait comes before any byte of the answer.
  FEDSWARM_REDIRECT_WAIT: duration.pipe(z.number().max(8000, 'must be at most 8s')).default(6000),
  FEDSWARM_MIRROR_CHECK_INTERVAL: duration.pipe(z.number().min(100, 'must be at least 100ms').max(86_400_000, 'must be at most 1d')).default(60_000),
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional(),
  FEDSWARM_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1 to 64 letters, digits, or : _ . -').default('fedswarm:'),
  FEDSWARM_WORKERS: positiveInt.max(64).default(1),
  FEDSWARM_LOG_LEVEL: configValues.logLevel.default('info')
})

export function parseOriginConfig (env: Record<string, string | undefined>, flags: OriginFlags = {}): OriginConfig {
  const merged = definedOnly({
    ...env,
    PORT: flags.port ?? env.PORT,
    FEDSWARM_DATA: flags.data ?? env.FEDSWARM_DATA,
    FEDSWARM_PUBLIC_URL: flags.publicUrl ?? env.FEDSWARM_PUBLIC_URL,
    FEDSWARM_WORKERS: flags.workers ?? env.FEDSWARM_WORKERS
  })
  const parsed = parseEnv(envSchema, merged, {
    PORT: flags.port === undefined ? undefined : '--port',
    FEDSWARM_DATA: flags.data === undefined ? undefined : '--data',
    FEDSWARM_PUBLIC_URL: flags.publicUrl === undefined ? undefined : '--public-url'
  })
  if (!parsed.ok) throw new ConfigError(parsed.message)
  const front = parseFrontConfig(merged, parsed.value.S3_BUCKET !== undefined)
  if (!front.ok) throw new ConfigError(front.message)
  const e = parsed.value
  if ((e.AWS_ACCESS_KEY_ID === undefined) !== (e.AWS_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError('set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither')
  }
  if (e.FEDSWARM_WORKERS > 1 && e.DATABASE_URL === undefined) {
    throw new ConfigError(`FEDSWARM_WORKERS=${e.FEDSWARM_WORKERS} needs DATABASE_URL (PostgreSQL): the embedded PGlite database cannot be shared by several processes`)
  }
  if (e.FEDSWARM_WORKERS > 1 && e.REDIS_URL === undefined) {
    throw new ConfigError(`FEDSWARM_WORKERS=${e.FEDSWARM_WORKERS} needs REDIS_URL: the processes share their swarms and budgets there`)
  }
  const mediaTypes = e.FEDSWARM_MEDIA_TYPES?.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean) ?? DEFAULT_MEDIA_TYPES
  for (const type of mediaTypes) {
    if (!/^(image|video|audio)\/[a-z0-9.+-]+$/.test(type) || type === 'image/svg+xml') {
      throw new ConfigError(`invalid FEDSWARM_MEDIA_TYPES entry "${type}": only image/, video/ and audio/ types (never SVG, it can carry scripts)`)
    }
  }
  return {
    host: e.FEDSWARM_HOST,
    port: e.PORT,
    publicUrl: (e.FEDSWARM_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir: resolve(e.FEDSWARM_DATA),
    database: { url: e.DATABASE_URL, schema: e.FEDSWARM_DB_SCHEMA },
    s3: e.S3_BUCKET === undefined
      ? undefined
      : {
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
          endpoint: e.S3_ENDPOINT,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
          credentials: e.AWS_ACCESS_KEY_ID === undefined ? undefined : { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY! }
        },
    adminToken: e.FEDSWARM_ADMIN_TOKEN,
    maxMediaSize: e.FEDSWARM_MAX_MEDIA_SIZE,
    mediaTypes,
    importRoot: e.FEDSWARM_IMPORT_ROOT === undefined ? undefined : resolve(e.FEDSWARM_IMPORT_ROOT),
    seeding: {
      uploadLimit: e.FEDSWARM_UPLOAD_LIMIT,
      maxActive: e.FEDSWARM_MAX_ACTIVE_TORRENTS,
      // Beside the HTTP port by default, so one firewall rule covers both.
      torrentPort: e.FEDSWARM_TORRENT_PORT ?? (e.PORT === 0 ? 0 : Math.min(e.PORT + 1, 65535))
    },
    tracker: {
      maxPeersPerAnswer: e.FEDSWARM_TRACKER_MAX_PEERS,
      announceIntervalSeconds: e.FEDSWARM_ANNOUNCE_INTERVAL,
      announcesPerSecondPerIp: e.FEDSWARM_ANNOUNCE_RATE,
      peerPolicy: e.FEDSWARM_PEERS
    },
    trustProxy: e.FEDSWARM_TRUST_PROXY,
    apiRatePerMinute: e.FEDSWARM_API_RATE,
    eventStreamsPerAddress: e.FEDSWARM_EVENT_STREAMS_PER_ADDRESS,
    acceptSeeders: e.FEDSWARM_ACCEPT_SEEDERS,
    allowPrivateAddresses: e.FEDSWARM_ALLOW_PRIVATE_ADDRESSES,
    hotThreshold: e.FEDSWARM_HOT_THRESHOLD,
    ackTimeoutMs: e.FEDSWARM_ACK_TIMEOUT,
    redirects: {
      policy: e.FEDSWARM_REDIRECT,
      to: e.FEDSWARM_REDIRECT_TO ?? [],
      minSize: e.FEDSWARM_REDIRECT_MIN_SIZE,
      waitMs: e.FEDSWARM_REDIRECT_WAIT,
      checkIntervalMs: e.FEDSWARM_MIRROR_CHECK_INTERVAL,
      // The origin never sends faster than its own cap: the link it may use is the smaller of the two.
      uploadCapacity: e.FEDSWARM_UPLOAD_CAPACITY === undefined ? undefined : Math.min(e.FEDSWARM_UPLOAD_CAPACITY, e.FEDSWARM_UPLOAD_LIMIT ?? Infinity)
    },
    redis: e.REDIS_URL === undefined ? undefined : { url: e.REDIS_URL, prefix: e.FEDSWARM_REDIS_PREFIX },
    front: front.value,
    workers: e.FEDSWARM_WORKERS,
    logLevel: e.FEDSWARM_LOG_LEVEL
  }
}
