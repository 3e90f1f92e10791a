import { listenHttp } from '@fedswarm/web'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { buildOriginDocument, originUrls, type OriginUrls } from '@fedswarm/protocol'
import { createFsBlobStore, createS3BlobStore, loadOrCreateKeyPair, migrate, openDb, type BlobStore, type Db } from '@fedswarm/storage'
import { createTracker, type Tracker } from '@fedswarm/tracker'
import { loadAdminToken } from './admin-token.ts'
import { bearerToken, requireAdmin } from './admin-auth.ts'
import { startAckSweep } from './ack-sweep.ts'
import { startAllowlistSync } from './allowlist-sync.ts'
import { createApp } from './app.ts'
import type { OriginConfig } from './config.ts'
import { startDeletionEffects } from './deletion-effects.ts'
import { createDeletionService } from './deletion-service.ts'
import { startEventLog } from './event-log.ts'
import { createEventStreams } from './event-streams.ts'
import { createInstanceRegistry } from './instance-registry.ts'
import { createMediaService, type MediaService } from './media-service.ts'
import { mediaRepository, type MediaItem } from './media-repository.ts'
import { createOriginMetrics } from './metrics.ts'
import { ORIGIN_NAMESPACE, originMigrations } from './migrations.ts'
import { createNonceStore } from './nonce-store.ts'
import { createOriginSeeder, type OriginSeeder } from './origin-seeder.ts'
import { createSafeFetch } from './safe-fetch.ts'
import { createPopularity } from '@fedswarm/protocol'

export const VERSION = '0.1.0'

/** Parts a test may supply instead of the ones the config describes. */
export interface OriginOverrides {
  log?: Logger
  db?: Db
  blobs?: BlobStore
  /** Interval of the SSE heartbeat comment (15 s). */
  heartbeatMs?: number
}

export interface RunningOrigin {
  url: string
  port: number
  urls: OriginUrls
  /** The admin token when this start generated it (print it once), else undefined. */
  generatedAdminToken?: string
  media: MediaService
  tracker: Tracker
  seeder: OriginSeeder
  stop (): Promise<void>
}

/**
 * Wires the origin from its config in dependency order — log, storage,
 * keys, event log, tracker, seeding, media, deletion, seeders' registry
 * and ack sweep, event streams, HTTP — and tears it down in reverse.
 */
export async function startOrigin (config: OriginConfig, overrides: OriginOverrides = {}): Promise<RunningOrigin> {
  const log = overrides.log ?? pino({ level: config.logLevel })
  const cleanups: Array<() => Promise<void> | void> = []
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try { await cleanup() } catch (err) { log.warn({ err }, 'error while stopping') }
    }
  }
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
    const tmpDir = join(config.dataDir, 'tmp')
    // Uploads cut short by a crash leave temp files; none of them is referenced.
    await rm(tmpDir, { recursive: true, force: true })

    const db = overrides.db ?? await openDb({ url: config.database.url, schema: config.database.schema, dataDir: join(config.dataDir, 'db') })
    if (overrides.db === undefined) cleanups.push(() => db.close())
    await migrate(db, ORIGIN_NAMESPACE, originMigrations)
    const blobs = overrides.blobs ?? (config.s3 !== undefined ? createS3BlobStore(config.s3) : createFsBlobStore(join(config.dataDir, 'blobs')))
    if (overrides.blobs === undefined) cleanups.push(() => blobs.close())
    const key = await loadOrCreateKeyPair(db, 'origin_keys')
    const events = await startEventLog({ db, log: log.child({ component: 'events' }) })
    cleanups.push(() => events.stop())
    const adminToken = await loadAdminToken(config.dataDir, config.adminToken)
    const isAdmin = (authorization: string | undefined): boolean => {
      const token = bearerToken(authorization)
      return token !== undefined && adminToken.matches(token)
    }

    // Listening comes before the tracker and seeding so that they stop before it does: the seeder's
    // last announce still reaches the tracker, and the tracker's WebSockets close before the server.
    const http = await listenHttp({ host: config.host, port: config.port, log, requestTimeoutMs: 600_000 })
    cleanups.push(() => http.close())
    const port = http.port
    // With port 0 (tests) the default public URL can only be known once listening.
    const publicUrl = config.port === 0 && config.publicUrl === 'http://localhost:0' ? `http://127.0.0.1:${port}` : config.publicUrl
    const urls = originUrls(publicUrl)

    const tracker = createTracker({
      log: log.child({ component: 'tracker' }),
      maxPeersPerAnswer: config.tracker.maxPeersPerAnswer,
      announceIntervalSeconds: config.tracker.announceIntervalSeconds,
      rateLimit: {
        perIp: { burst: config.tracker.announcesPerSecondPerIp * 3, perSecond: config.tracker.announcesPerSecondPerIp },
        perIpAndInfoHash: { burst: 10, perSecond: 0.5 }
      },
      authorizeStats: (req) => isAdmin(req.headers.authorization)
    })
    cleanups.push(() => tracker.close())
    const allowlist = await startAllowlistSync({ db, tracker, log })
    cleanups.push(() => allowlist.stop())

    const seeder = createOriginSeeder({
      blobs,
      log: log.child({ component: 'seeding' }),
      uploadLimit: config.seeding.uploadLimit,
      maxActive: config.seeding.maxActive,
      torrentPort: config.seeding.torrentPort
    })
    cleanups.push(() => seeder.stop())
    await seeder.listening().catch((err: NodeJS.ErrnoException) => {
      throw Object.assign(new Error(`cannot listen for BitTorrent peers on port ${config.seeding.torrentPort}: ${err.code ?? err.message} (set FEDSWARM_TORRENT_PORT)`), { code: err.code })
    })
    const seed = (item: MediaItem): void => {
      seeder.seed(item).catch((err: unknown) => log.warn({ err, id: item.id }, 'could not seed item'))
    }

    const popularity = createPopularity()
    const media = createMediaService({
      db,
      blobs,
      urls,
      tmpDir,
      maxMediaSize: config.maxMediaSize,
      mediaTypes: config.mediaTypes,
      importRoot: config.importRoot,
      events,
      onLive: (item) => { void allowlist.allow(item.infoHash) },
      onHot: seed
    })
    // Subscribed to the event log before the catch-up reads the database: a deletion committed by another process in between is applied either way.
    const deletionEffects = startDeletionEffects({
      db, blobs, log: log.child({ component: 'deletion' }), events, tracker, seeder, media, popularity
    })
    cleanups.push(() => deletionEffects.stop())
    await deletionEffects.recover()
    const deletions = createDeletionService({
      db, log: log.child({ component: 'deletion' }), events, effects: deletionEffects, key: { privateKey: key.privateKey, keyId: urls.keyId }
    })

    const safeFetch = createSafeFetch({ allowPrivateAddresses: config.allowPrivateAddresses })
    const instances = createInstanceRegistry({
      db,
      log: log.child({ component: 'instances' }),
      accept: config.acceptSeeders,
      fetch: safeFetch,
      ackTimeoutMs: config.ackTimeoutMs
    })
    const ackSweep = startAckSweep({ db, log: log.child({ component: 'acks' }), timeoutMs: config.ackTimeoutMs, fetch: safeFetch, origin: urls.base })
    cleanups.push(() => ackSweep.stop())
    const eventStreams = createEventStreams({ events, log: log.child({ component: 'events' }), heartbeatMs: overrides.heartbeatMs })
    cleanups.push(() => eventStreams.stop())

    const metrics = createOriginMetrics()
    metrics.gauge('fedswarm_tracker_swarms', 'Swarms the tracker holds', () => tracker.stats().swarms)
    metrics.gauge('fedswarm_tracker_peers', 'Peers in all swarms', () => tracker.stats().peers)
    metrics.gauge('fedswarm_tracker_allowed', 'Info hashes on the allowlist (live items)', () => tracker.stats().allowed)
    metrics.gauge('fedswarm_seeding_active', 'Torrents the origin seeds now', () => seeder.stats().active)
    metrics.gauge('fedswarm_seeding_uploaded_bytes', 'Bytes the origin uploaded to swarm peers', () => seeder.stats().uploaded)
    metrics.gauge('fedswarm_event_streams', 'Open /api/events streams', () => eventStreams.open)

    const app = createApp({
      log,
      db,
      blobs,
      urls,
      media,
      deletions,
      popularity,
      metrics,
      document: buildOriginDocument(urls, key.publicKeyPem, VERSION),
      requireAdmin: requireAdmin(adminToken),
      maxMediaSize: config.maxMediaSize,
      trustProxy: config.trustProxy,
      apiRatePerMinute: config.apiRatePerMinute,
      tracker: (req, res) => tracker.handleHttp(req, res),
      uploadThrottle: () => seeder.uploadThrottle(),
      onRequested: (item) => {
        const requests = popularity.record(item.id)
        // Compared as /api/popular shows counts (two decimals), so N quick requests reach a threshold of N.
        if (item.hotAt === null && Math.round(requests * 100) / 100 >= config.hotThreshold) {
          media.markHot(item).catch((err: unknown) => log.warn({ err, id: item.id }, 'could not mark an item hot'))
        }
      },
      instances,
      signed: { base: urls.base, nonces: createNonceStore(db) },
      eventStreams
    })
    http.setHandler(app)
    http.server.on('upgrade', (req, socket, head) => tracker.handleUpgrade(req, socket, head))

    for (const item of await mediaRepository.hotItems(db, config.seeding.maxActive)) seed(item)
    log.info({ url: urls.base, port }, 'origin listening')

    return { url: urls.base, port, urls, generatedAdminToken: adminToken.generated, media, tracker, seeder, stop: stopAll }
  } catch (err) {
    await stopAll()
    throw err
  }
}
