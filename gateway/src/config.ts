import { resolve } from 'node:path'
import { z } from 'zod'

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
  tracker: { maxPeersPerAnswer: number, announceIntervalSeconds: number, announcesPerSecondPerIp: number }
  trustProxy: boolean
  /** Requests per minute per address on /api. */
  apiRatePerMinute: number
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
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'ERR_CONFIG'
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 }

/** `104857600`, `100MB`, `100 MiB`, `512k` → bytes (binary units). */
export function parseSize (text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = UNITS[match?.[2]?.toLowerCase() ?? 'x']
  if (match === null || unit === undefined) throw new Error(`"${text}" is not a size (try 100MB)`)
  return Math.floor(Number(match[1]) * unit)
}

const size = z.string().transform((text, ctx) => {
  try { return parseSize(text) } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message })
    return z.NEVER
  }
})
const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()
const bool = z.enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off', '']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v))
const httpUrl = z.url({ protocol: /^https?$/ })

const envSchema = z.object({
  PORT: port.default(8080),
  FEDSWARM_HOST: z.string().min(1).default('0.0.0.0'),
  FEDSWARM_PUBLIC_URL: httpUrl.optional(),
  FEDSWARM_DATA: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://').optional(),
  FEDSWARM_DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _').optional(),
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
  FEDSWARM_MAX_ACTIVE_TORRENTS: positiveInt.default(50),
  FEDSWARM_TORRENT_PORT: port.optional(),
  FEDSWARM_TRACKER_MAX_PEERS: positiveInt.max(200).default(50),
  FEDSWARM_ANNOUNCE_INTERVAL: positiveInt.default(120),
  FEDSWARM_ANNOUNCE_RATE: positiveInt.default(20),
  FEDSWARM_TRUST_PROXY: bool.default(false),
  FEDSWARM_API_RATE: positiveInt.default(600),
  FEDSWARM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
})

/** Empty env values count as unset, as in most deployment tools. */
function definedOnly (env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''))
}

export function parseOriginConfig (env: Record<string, string | undefined>, flags: OriginFlags = {}): OriginConfig {
  const merged = definedOnly({
    ...env,
    PORT: flags.port ?? env.PORT,
    FEDSWARM_DATA: flags.data ?? env.FEDSWARM_DATA,
    FEDSWARM_PUBLIC_URL: flags.publicUrl ?? env.FEDSWARM_PUBLIC_URL
  })
  const parsed = envSchema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new ConfigError(`invalid ${String(issue.path[0])}: ${issue.message}`)
  }
  const e = parsed.data
  if ((e.AWS_ACCESS_KEY_ID === undefined) !== (e.AWS_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError('set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither')
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
      announcesPerSecondPerIp: e.FEDSWARM_ANNOUNCE_RATE
    },
    trustProxy: e.FEDSWARM_TRUST_PROXY,
    apiRatePerMinute: e.FEDSWARM_API_RATE,
    logLevel: e.FEDSWARM_LOG_LEVEL
  }
}
