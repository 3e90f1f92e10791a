import { checkAdmin, createSafeFetch, listenHttp, loadAdminToken, requireAdmin } from '@fedswarm/web'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { buildOriginDocument, originUrls, type OriginUrls } from '@fedswarm/protocol'
import { createFsBlobStore, createS3BlobStore, loadOrCreateKeyPair, migrate, openDb, type BlobStore, type Db } from '@fedswarm/storage'
import { createRedisAnnounceLimiter, createRedisSignalRelay, createRedisSwarmStore, createTracker, isTrackerPath, startRegisteredAddresses, type Tracker } from '@fedswarm/tracker'
import { HttpError } from './errors.ts'
import { startAckSweep } from './deletion/ack-sweep.ts'
import { startAllowlistSync } from './media/allowlist-sync.ts'
import { createApp } from './http/app.ts'
import type { OriginConfig } from './config/origin-config.ts'
import { startDeletionEffects } from './deletion/deletion-effects.ts'
import { createDeletionService } from './deletion/deletion-service.ts'
import { startEventLog } from './events/event-log.ts'
import { openFrontStore, startFront } from './front/front.ts'
import { createEventStreams } from './events/event-streams.ts'
import { createInstanceRegistry } from './seeders/instance-registry.ts'
import { instancesRepository } from './seeders/instances-repository.ts'
import { createMediaService, type MediaService } from './media/media-service.ts'
import { mediaRepository, type MediaItem } from './media/media-repository.ts'
import { createOriginMetrics } from './http/metrics.ts'
import { startMirrors } from './mirrors/mirrors.ts'
import { isRedirectTarget } from './mirrors/redirect-targets.ts'
import { startCanaries } from './mirrors/canaries.ts'
import { createSharedBacklog } from './mirrors/shared-backlog.ts'
import { createUploadRoom } from './mirrors/upload-room.ts'
import type { HoldingReport } from './mirrors/mirror-table.ts'
import { ORIGIN_NAMESPACE, originMigrations } from './migrations.ts'
import { createNonceStore } from './seeders/nonce-store.ts'
import { createOriginSeeder, type OriginSeeder } from './seeding/origin-seeder.ts'
import { clientAddressOf } from './http/client-address.ts'
import { createApiRateStore } from './http/api-rate-store.ts'
import { MAX_PIECE_LENGTH } from '@fedswarm/protocol'
import { closeRedis, createPopularity, createRedisPopularity, createTeardown, openRedis, popularityInMemory, startRedisBroadcast } from '@fedswarm/runtime'
import { adminUiRoute } from '@fedswarm/admin-ui'
import { startTrafficRecorder } from './traffic/traffic-recorder.ts'
import { claimDataFolder, tmpDirOf } from './data-folder.ts'

/** Descriptors of the origin's own blobs kept open for ranged reads (web seeds): only this store changes that folder. */
const OWN_BLOBS_OPEN = { max: 64, idleMs: 5000 }

export const VERSION = '0.1.0'

/** Parts a test may supply instead of the ones the config describes. */
export interface OriginOverrides {
  log?: Logger
  db?: Db
  blobs?: BlobStore
  /** Interval of the SSE heartbeat comment (15 s). */
  heartbeatMs?: number
  /** How long request headers may take to arrive (20 s); tests of slow clients shorten it. */
  headersTimeoutMs?: number
  /** A worker of `fedswarm origin --workers`: its primary claimed the data folder for all of them (data-folder.ts). */
  dataFolderClaimed?: boolean
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
 * The gateway is the origin role's process, and this is its one wiring file:
 * from its config, in dependency order — log, Redis (REDIS_URL), storage, keys, event log, the
 * listening HTTP server (early, so that it stops last), tracker, seeding,
 * metrics, mirrors, media, deletion, seeders' registry and ack sweep, event
 * streams, then the request handler — and torn down in reverse.
 */
export async function startOrigin (config: OriginConfig, overrides: OriginOverrides = {}): Promise<RunningOrigin> {
  const log = overrides.log ?? pino({ level: config.logLevel })
  const teardown = createTeardown((err) => log.warn({ err }, 'error while stopping'))
  let started = false
  // Added first, so it runs last; a start that failed has said why, and stopped nothing that ran.
  teardown.add(() => { if (started) log.info('origin stopped') })
  try {
    if (overrides.dataFolderClaimed !== true) {
      const lock = await claimDataFolder(config.dataDir)
      teardown.add(() => lock.release())
    }
    const tmpDir = tmpDirOf(config.dataDir)

    // First, as an unreachable Redis ends the start. REDIS_URL: the swarms are shared with every origin process on the same Redis (and prefix).
    const redis = config.redis === undefined
      ? undefined
      : await openRedis({ url: config.redis.url, onError: (err) => log.warn({ err: err.message }, 'Redis connection lost; retrying') })
    if (redis !== undefined) teardown.add(() => closeRedis(redis))
    /** What several origin processes share beside the swarms: absent with one process (no REDIS_URL). */
    const shared = redis === undefined || config.redis === undefined ? undefined : { redis, prefix: config.redis.prefix }
    const db = overrides.db ?? await openDb({ url: config.database.url, schema: config.database.schema, dataDir: join(config.dataDir, 'db') })
    if (overrides.db === undefined) teardown.add(() => db.close())
    await migrate(db, ORIGIN_NAMESPACE, originMigrations)
    const blobs = overrides.blobs ?? (config.s3 !== undefined ? createS3BlobStore(config.s3) : createFsBlobStore(join(config.dataDir, 'blobs'), { keepOpen: OWN_BLOBS_OPEN }))
    if (overrides.blobs === undefined) teardown.add(() => blobs.close())
    // The drop-in front: items made of the server's objects are read through the same store as the origin's own.
    const frontStore = config.front === undefined ? undefined : await openFrontStore(config.front, blobs, config.dataDir, log.child({ component: 'front' }))
    if (frontStore !== undefined) teardown.add(() => frontStore.blobs.close())
    const itemBlobs = frontStore?.blobs ?? blobs
    const key = await loadOrCreateKeyPair(db, 'origin_keys')
    const events = await startEventLog({ db, log: log.child({ component: 'events' }) })
    teardown.add(() => events.stop())
    const adminToken = await loadAdminToken(config.dataDir, config.adminToken)
    const isAdmin = (authorization: string | undefined): boolean => checkAdmin(adminToken, authorization) === 'ok'

    // Listening comes before the tracker and seeding so that they stop before it does: the seeder's
    // last announce still reaches the tracker, and the tracker's WebSockets close before the server.
    const http = await listenHttp({ host: config.host, port: config.port, log, requestTimeoutMs: 600_000, headersTimeoutMs: overrides.headersTimeoutMs })
    teardown.add(() => http.close())
    const port = http.port
    // With port 0 (tests) the default public URL can only be known once listening.
    const publicUrl = config.port === 0 && config.publicUrl === 'http://localhost:0' ? `http://127.0.0.1:${port}` : config.publicUrl
    const urls = originUrls(publicUrl)

    // FEDSWARM_PEERS=instances-only: hand out only peers announcing from an address of an active seeder or of this origin.
    const registered = config.tracker.peerPolicy === 'instances-only'
      ? startRegisteredAddresses({ log: log.child({ component: 'tracker' }), hosts: async () => [urls.base, ...(await instancesRepository.list(db)).filter((i) => i.status === 'active').map((i) => i.publicUrl)] })
      : undefined
    if (registered !== undefined) teardown.add(() => registered.stop())
    const rateLimit = {
      perIp: { burst: config.tracker.announcesPerSecondPerIp * 3, perSecond: config.tracker.announcesPerSecondPerIp },
      perIpAndInfoHash: { burst: 10, perSecond: 0.5 }
    }
    const tracker = createTracker({
      swarmStore: redis === undefined || config.redis === undefined
        ? undefined
        : createRedisSwarmStore({ redis, prefix: config.redis.prefix, peerTtlMs: config.tracker.announceIntervalSeconds * 3 * 1000 }),
      // WebSocket peers announce every fifth of the interval (bittorrent-tracker): gone after missing three.
      signalRelay: shared === undefined
        ? undefined
        : createRedisSignalRelay({ ...shared, peerTtlMs: config.tracker.announceIntervalSeconds * 3 * 1000 / 5, onError: (err) => log.warn({ err: err.message }, 'tracker: could not subscribe a WebSocket peer\'s signalling channel') }),
      log: log.child({ component: 'tracker' }),
      peerPolicy: config.tracker.peerPolicy,
      isRegisteredPeer: registered === undefined ? undefined : (peer) => peer.ip !== undefined && registered.has(peer.ip),
      maxPeersPerAnswer: config.tracker.maxPeersPerAnswer,
      announceIntervalSeconds: config.tracker.announceIntervalSeconds,
      rateLimit,
      // Several origin processes (Redis): an address has its budget once, not once per process.
      announceLimiter: shared === undefined ? undefined : createRedisAnnounceLimiter({ ...shared, limits: rateLimit }),
      authorizeStats: (req) => isAdmin(req.headers.authorization),
      clientAddress: clientAddressOf(config.trustProxy),
      onPeerUpload: (peerId, bytes) => { if (peerId !== seeder.peerId) traffic.count('swarm', bytes) }
    })
    teardown.add(() => tracker.close())
    const allowlist = await startAllowlistSync({ db, tracker, log })
    teardown.add(() => allowlist.stop())

    // FEDSWARM_UPLOAD_CAPACITY: the origin's HTTP responses (app.ts) and its BitTorrent upload against the link the admin stated.
    // Each of several processes (FEDSWARM_WORKERS) counts only its own sends, so it weighs them against its share of the link.
    const room = config.redirects.uploadCapacity === undefined
      ? undefined
      : createUploadRoom({ capacity: config.redirects.uploadCapacity / config.workers, now: () => performance.now() })
    const seeder = createOriginSeeder({
      blobs: itemBlobs,
      log: log.child({ component: 'seeding' }),
      uploadLimit: config.seeding.uploadLimit,
      onUpload: room === undefined ? undefined : (bytes) => room.sent(bytes),
      maxActive: config.seeding.maxActive,
      torrentPort: config.seeding.torrentPort,
      host: config.host
    })
    teardown.add(() => seeder.stop())
    await seeder.listening().catch((err: NodeJS.ErrnoException) => {
      throw Object.assign(new Error(`cannot listen for BitTorrent peers on port ${config.seeding.torrentPort}: ${err.code ?? err.message} (set FEDSWARM_TORRENT_PORT)`), { code: err.code })
    })
    // The console's per-minute series (the tracker's count of peers' uploads starts with the first announce, once serving).
    const traffic = startTrafficRecorder({ db, log: log.child({ component: 'traffic' }), cumulative: { originPeer: () => seeder.stats().uploaded } })
    teardown.add(() => traffic.stop())
    const seed = (item: MediaItem): void => {
      seeder.seed(item).catch((err: unknown) => log.warn({ err, id: item.id }, 'could not seed item'))
    }

    if (config.acceptSeeders === 'anybody' && config.redirects.to === 'any-accepted') {
      log.warn('FEDSWARM_ACCEPT_SEEDERS=anybody with FEDSWARM_REDIRECT_TO=any-accepted: strangers can serve this origin\'s media to plain fetchers, which check nothing; name the seeders you trust in FEDSWARM_REDIRECT_TO')
    }
    const metrics = createOriginMetrics()
    if (room !== undefined) metrics.gauge('fedswarm_upload_owed_bytes', 'Bytes the origin owes its link now: sent and not yet through at FEDSWARM_UPLOAD_CAPACITY, and the rest of whole responses under way', () => room.owed())
    const mirrors = startMirrors({
      db,
      log: log.child({ component: 'mirrors' }),
      // Checks have a fetch of their own: the same address guard, a body cap of a check's range (a piece and its margins).
      fetch: createSafeFetch({ allowPrivateAddresses: config.allowPrivateAddresses, maxBytes: 2 * MAX_PIECE_LENGTH, timeoutMs: 10_000 }),
      checkIntervalMs: config.redirects.checkIntervalMs,
      isTarget: (publicUrl) => isRedirectTarget(config.redirects.to, config.acceptSeeders, publicUrl),
      onCheck: (kind, passed) => metrics.mirrorChecks.inc({ kind, result: passed ? 'passed' : 'failed' }),
      sharedBacklog: shared === undefined ? undefined : createSharedBacklog(shared.redis, shared.prefix)
    })
    teardown.add(() => mirrors.stop())
    // Several origin processes (Redis): a seeder's report or a status change reaches one of them; the others learn it at once too,
    // so that a GET waiting for a mirror (FEDSWARM_REDIRECT_WAIT) on any process is woken by it. A report travels as it is: no
    // process reads every holding again for it.
    const applyChange = (report: HoldingReport | undefined): void => {
      if (report === undefined) mirrors.refresh()
      else mirrors.report(report)
    }
    const mirrorsNudge = shared === undefined
      ? undefined
      : await startRedisBroadcast({ redis: shared.redis, channel: `${shared.prefix}mirrors-changed`, onNudge: (note) => applyChange(reportOfNote(note)) })
    if (mirrorsNudge !== undefined) teardown.add(() => mirrorsNudge.stop())
    const mirrorsChanged = (report?: HoldingReport): void => {
      applyChange(report)
      void mirrorsNudge?.nudge(report === undefined ? undefined : JSON.stringify(report))
    }
    const canaries = startCanaries({ db, log: log.child({ component: 'canaries' }), urls, onMade: mirrorsChanged })
    teardown.add(() => canaries.stop())

    // Several origin processes (Redis): an item's requests through all of them add up to one count.
    const popularity = shared === undefined ? popularityInMemory(createPopularity()) : createRedisPopularity(shared)
    const media = createMediaService({
      db,
      blobs,
      urls,
      tmpDir,
      maxMediaSize: config.maxMediaSize,
      mediaTypes: config.mediaTypes,
      importRoot: config.importRoot,
      events,
      onLive: (item) => {
        log.info({ id: item.id, size: item.size, mediaType: item.mediaType }, 'media published')
        void allowlist.allow(item.infoHash)
      },
      onHot: (item) => {
        log.info({ id: item.id }, 'item hot: seeded by the origin, seeders told')
        seed(item)
      },
      mirrors: (infoHash) => mirrors.urls(infoHash)
    })
    await media.sweepInterrupted().then(
      (blobKeys) => { if (blobKeys.length > 0) log.warn({ blobKeys }, 'removed the blobs of uploads cut short by a crash') },
      (err: unknown) => log.warn({ err }, 'could not remove the blobs of uploads cut short by a crash; retried at next start'))
    // Subscribed to the event log before the catch-up reads the database: a deletion committed by another process in between is applied either way.
    const deletionEffects = startDeletionEffects({
      db, blobs: itemBlobs, log: log.child({ component: 'deletion' }), events, tracker, seeder, media, popularity, mirrors
    })
    teardown.add(() => deletionEffects.stop())
    await deletionEffects.recover()
    const deletions = createDeletionService({
      db, log: log.child({ component: 'deletion' }), events, effects: deletionEffects, key: { privateKey: key.privateKey, keyId: urls.keyId }
    })
    const front = frontStore === undefined
      ? undefined
      : startFront({
        config: config.front!, store: frontStore, db, media, deletions, events, tmpDir, maxMediaSize: config.maxMediaSize, mediaTypes: config.mediaTypes, log: log.child({ component: 'front' })
      })
    if (front !== undefined) teardown.add(() => front.stop())

    const safeFetch = createSafeFetch({ allowPrivateAddresses: config.allowPrivateAddresses })
    const instances = createInstanceRegistry({
      db,
      log: log.child({ component: 'instances' }),
      accept: config.acceptSeeders,
      fetch: safeFetch,
      allowPrivateAddresses: config.allowPrivateAddresses,
      ackTimeoutMs: config.ackTimeoutMs,
      onMirrorsChanged: mirrorsChanged
    })
    const ackSweep = startAckSweep({ db, log: log.child({ component: 'acks' }), timeoutMs: config.ackTimeoutMs, fetch: safeFetch, origin: urls.base, onStatusChanged: mirrorsChanged })
    teardown.add(() => ackSweep.stop())
    const eventStreams = createEventStreams({ events, log: log.child({ component: 'events' }), heartbeatMs: overrides.heartbeatMs, maxPerAddress: config.eventStreamsPerAddress })
    teardown.add(() => eventStreams.stop())

    metrics.gauge('fedswarm_tracker_swarms', 'Swarms the tracker holds', async () => (await tracker.stats()).swarms)
    metrics.gauge('fedswarm_tracker_peers', 'Peers in all swarms', async () => (await tracker.stats()).peers)
    metrics.gauge('fedswarm_tracker_allowed', 'Info hashes on the allowlist (live items)', async () => (await tracker.stats()).allowed)
    metrics.gauge('fedswarm_seeding_active', 'Torrents the origin seeds now', () => seeder.stats().active)
    metrics.gauge('fedswarm_seeding_uploaded_bytes', 'Bytes the origin uploaded to swarm peers', () => seeder.stats().uploaded)
    metrics.gauge('fedswarm_event_streams', 'Open /api/events streams', () => eventStreams.open)
    if (frontStore !== undefined) metrics.gauge('fedswarm_front_cache_bytes', 'Bytes of the server\'s objects in the front cache', () => frontStore.cache.stats().bytes)
    metrics.gauge('fedswarm_mirrors_verified', 'Copies of items on mirrors verified now (mirror x item)', () => mirrors.stats().verified)
    metrics.gauge('fedswarm_mirrors_in_use', 'Active mirrors with at least one verified copy', () => mirrors.stats().inUse)

    const app = createApp({
      log,
      db,
      blobs: itemBlobs,
      urls,
      media,
      deletions,
      popularity,
      metrics,
      document: buildOriginDocument(urls, key.publicKeyPem, VERSION),
      requireAdmin: requireAdmin(adminToken, HttpError),
      maxMediaSize: config.maxMediaSize,
      trustProxy: config.trustProxy,
      apiRatePerMinute: config.apiRatePerMinute,
      apiRateStore: shared === undefined ? undefined : createApiRateStore(shared.redis, shared.prefix),
      // Uncapped, the media bytes skip the throttle stream altogether.
      uploadThrottle: config.seeding.uploadLimit === undefined ? undefined : () => seeder.uploadThrottle(),
      onRequested: (item) => {
        traffic.count('requests', 1)
        popularity.record(item.id).then((requests) => {
          // Compared as /api/popular shows counts (two decimals), so N quick requests reach a threshold of N.
          if (item.hotAt === null && Math.round(requests * 100) / 100 >= config.hotThreshold) {
            media.markHot(item).catch((err: unknown) => log.warn({ err, id: item.id }, 'could not mark an item hot'))
          }
        }, (err: unknown) => log.debug({ err, id: item.id }, 'could not count a request (Redis out of reach)'))
      },
      instances,
      mirrors,
      canaries,
      redirects: {
        policy: config.redirects.policy,
        minSize: config.redirects.minSize,
        choose: (infoHash, size, waitMs) => mirrors.choose(infoHash, size, waitMs),
        local: (infoHash, size, address) => mirrors.local(infoHash, size, address),
        waitMs: config.redirects.waitMs,
        room,
        onRedirect: (item) => {
          metrics.redirects.inc()
          traffic.count('redirects', 1)
          traffic.count('mirrors', item.size)
        },
        onServedHere: (_item, why) => metrics.servedHere.inc({ decision: why })
      },
      signed: { base: urls.base, nonces: createNonceStore(db) },
      eventStreams,
      front: front?.route,
      adminUi: await adminUiRoute({ role: 'origin', notBuilt: () => new HttpError('admin_ui_not_built') }),
      traffic,
      swarmOf: (infoHash) => tracker.swarmOf(infoHash),
      ackTimeoutMs: config.ackTimeoutMs
    })
    // Announces are most of an origin's requests: they go straight to the tracker, past express.
    http.setHandler((req, res) => {
      if (isTrackerPath(req.url ?? '/')) tracker.handleHttp(req, res)
      else app(req, res)
    })
    http.server.on('upgrade', (req, socket, head) => tracker.handleUpgrade(req, socket, head))
    // Plain GET /announce requests are read off the socket, ahead of node:http (web's request-lane.ts).
    http.setLane(tracker.lane)

    for (const item of await mediaRepository.hotItems(db, config.seeding.maxActive)) seed(item)
    log.info({ url: urls.base, port }, 'origin listening')

    started = true
    return { url: urls.base, port, urls, generatedAdminToken: adminToken.generated, media, tracker, seeder, stop: teardown.run }
  } catch (err) {
    await teardown.run()
    throw err
  }
}

/** The report another process sent with its nudge; none (read everything again) when there is no note or it does not parse. */
function reportOfNote (note: string | undefined): HoldingReport | undefined {
  if (note === undefined) return undefined
  try {
    return JSON.parse(note) as HoldingReport
  } catch {
    return undefined
  }
}
