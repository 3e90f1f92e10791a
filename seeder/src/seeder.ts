import { listenHttp } from '@fedswarm/web'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { buildSeederDocument } from '@fedswarm/protocol'
import { abortableSleep, createTeardown } from '@fedswarm/runtime'
import { loadOrCreateKeyPair, migrate, openDb, upgradePgliteToSqlite } from '@fedswarm/storage'
import { createSeederApp } from './app.ts'
import { createDeletions, type Deletions } from './deletions.ts'
import type { SeederConfig } from './config.ts'
import { followEvents } from './event-follower.ts'
import { itemsRepository } from './items-repository.ts'
import { createLibrary, type Library } from './library.ts'
import { createSeederMetrics } from './metrics.ts'
import { SEEDER_NAMESPACE, SEEDER_TABLES, seederMigrations } from './migrations.ts'
import { createOriginClient, type OriginClient, type Registration } from './origin-client.ts'
import { createSwarm, type Swarm } from './active-swarm.ts'

export const SEEDER_VERSION = '0.1.0'

export interface SeederOverrides {
  log?: Logger
  /** How long request headers may take to arrive (20 s); tests of slow clients shorten it. */
  headersTimeoutMs?: number
  /**
   * Tests only: keep the embedded database in PGlite (folder `DATA/db`), with no upgrade to SQLite, as
   * releases before SQLite did; tests make a data folder of such a release with it.
   */
  previousReleasePglite?: boolean
}

export interface RunningSeeder {
  url: string
  port: number
  torrentPort: number
  library: Library
  swarm: Swarm
  deletions: Deletions
  stop (): Promise<void>
}

const REGISTER_RETRY_MAX_MS = 60_000

/**
 * Wires a seeder from its config in dependency order — log, storage, key,
 * HTTP, swarm, library, origins — and tears it down in reverse.
 */
export async function startSeeder (config: SeederConfig, overrides: SeederOverrides = {}): Promise<RunningSeeder> {
  const log = overrides.log ?? pino({ level: config.logLevel })
  const teardown = createTeardown((err) => log.warn({ err }, 'error while stopping'))
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
    const itemsDir = join(config.dataDir, 'items')
    await mkdir(itemsDir, { recursive: true })
    const dbDir = join(config.dataDir, 'db')
    const embedded = overrides.previousReleasePglite === true ? 'pglite' : 'sqlite'
    if (config.database.url === undefined && embedded === 'sqlite') {
      // The embedded database is SQLite (node:sqlite: a few MiB, where PGlite held 100 to 300); a data folder of
      // an earlier version has it in PGlite, copied over once here.
      const copied = await upgradePgliteToSqlite(dbDir, { namespace: SEEDER_NAMESPACE, migrations: seederMigrations, tables: SEEDER_TABLES, schema: config.database.schema })
      if (copied !== null) log.info({ rows: copied, backup: `${dbDir}.pglite-imported` }, 'moved the embedded database from PGlite to SQLite')
    }
    const db = await openDb({ url: config.database.url, schema: config.database.schema, dataDir: dbDir, embedded })
    teardown.add(() => db.close())
    await migrate(db, SEEDER_NAMESPACE, seederMigrations)
    const key = await loadOrCreateKeyPair(db, 'seeder_keys')

    const http = await listenHttp({ host: config.host, port: config.port, log, requestTimeoutMs: 120_000, headersTimeoutMs: overrides.headersTimeoutMs })
    teardown.add(() => http.close())
    const port = http.port
    const publicUrl = config.port === 0 && config.publicUrl === 'http://localhost:0' ? `http://127.0.0.1:${port}` : config.publicUrl
    const document = buildSeederDocument(publicUrl, key.publicKeyPem, SEEDER_VERSION)
    const identity = { keyId: document.publicKey.id, privateKey: key.privateKey, publicUrl }

    const metrics = createSeederMetrics()
    const swarm = createSwarm({
      itemsDir,
      log: log.child({ component: 'swarm' }),
      uploadLimit: config.uploadLimit,
      downloadLimit: config.downloadLimit,
      maxActive: config.maxActive,
      torrentPort: config.torrentPort,
      webrtc: config.webrtc,
      webSeedAfter: config.webSeedAfter,
      onBytes: (source, direction, bytes) => metrics.bytes.inc({ source, direction }, bytes)
    })
    teardown.add(() => swarm.stop())
    const torrentPort = await swarm.listening().catch((err: NodeJS.ErrnoException) => {
      throw Object.assign(new Error(`cannot listen for BitTorrent peers on port ${config.torrentPort}: ${err.code ?? err.message} (set FEDSWARM_TORRENT_PORT)`), { code: err.code })
    })

    const clients = new Map<string, OriginClient>(config.origins.map((origin) => [origin, createOriginClient(origin, identity, config.uploadLimit)]))
    const library = createLibrary({ db, swarm, itemsDir, log: log.child({ component: 'library' }), quota: config.quota, minLifetime: config.minLifetime, clients })
    teardown.add(() => library.stop())
    const deletions = createDeletions({ db, library, clients, log: log.child({ component: 'deletions' }) })
    const controller = new AbortController()
    teardown.add(() => controller.abort())

    /** Loads the origin's key and applies its deletions since the stored cursor; true when done. */
    const catchUp = async (origin: string): Promise<boolean> => {
      try {
        await deletions.loadKey(origin)
        await deletions.catchUp(origin)
        await library.unblock(origin)
        return true
      } catch (err) {
        log.warn({ err, origin }, 'could not catch up on deletions; the origin\'s items are held back until it answers')
        return false
      }
    }

    const retryCatchUp = async (origin: string): Promise<void> => {
      let backoff = 1000
      while (!controller.signal.aborted && !await catchUp(origin)) {
        await abortableSleep(backoff, controller.signal)
        backoff = Math.min(backoff * 2, REGISTER_RETRY_MAX_MS)
      }
    }

    /** An origin's poke (it misses an ack): catch up everywhere, at most once at a time. */
    let poking: Promise<unknown> | null = null
    let lastPoke = 0
    const pokeCatchUp = (): void => {
      if (poking !== null || Date.now() - lastPoke < 2000) return
      lastPoke = Date.now()
      poking = Promise.all(config.origins.map((origin) => catchUp(origin))).finally(() => { poking = null })
    }

    // Deletions first: nothing of an origin is served or seeded before its notices since the stored cursor are applied.
    for (const origin of config.origins) library.block(origin)
    await library.start()
    const caughtUp = await Promise.all(config.origins.map((origin) => catchUp(origin)))
    for (const [i, origin] of config.origins.entries()) {
      if (!caughtUp[i]) void retryCatchUp(origin)
    }

    metrics.gauge('fedswarm_seeder_items_stored', 'Complete, verified items on disk', () => library.stats().stored)
    metrics.gauge('fedswarm_seeder_bytes_stored', 'Bytes of complete items on disk', () => library.stats().storedBytes)
    metrics.gauge('fedswarm_seeder_items_fetching', 'Items being fetched', () => library.stats().fetching)
    metrics.gauge('fedswarm_seeder_torrents_active', 'Torrents in the swarm now', () => swarm.activeCount())

    http.setHandler(createSeederApp({ log, document, library, metrics, onPoke: () => pokeCatchUp(), uploadThrottle: config.uploadLimit === undefined ? undefined : () => swarm.uploadThrottle() }))

    for (const client of clients.values()) {
      const originLog = log.child({ origin: client.origin })
      // Following events needs no registration; reporting holdings and acks does, so it is retried on its own.
      void registerUntilAccepted(client, originLog, controller.signal).then(async (registration) => {
        if (registration === undefined) return
        // Trust at once: the canary the origin made for this seeder, fetched now and verified by the origin.
        if (registration.canaryRefused !== undefined) originLog.warn(registration.canaryRefused)
        if (registration.canary !== undefined) library.fetchCanary(client.origin, registration.canary).catch((err: unknown) => originLog.warn({ err }, 'could not fetch the canary'))
        for (const infoHash of library.held(client.origin)) {
          await client.reportHolding(infoHash, 'held').catch((err: unknown) => originLog.warn({ err, infoHash }, 'could not report holding'))
        }
      })
      const follower = followEvents({
        client,
        log: originLog,
        cursor: await itemsRepository.cursor(db, client.origin),
        pollInterval: config.pollInterval,
        onHot: (manifest) => library.onHot(client.origin, manifest),
        onDeleted: async (notice) => { await deletions.apply(client.origin, notice) },
        onCursor: (seq) => itemsRepository.saveCursor(db, client.origin, seq)
      })
      teardown.add(() => follower.stop())
    }
    log.info({ url: publicUrl, port, torrentPort, origins: config.origins }, 'seeder listening')
    return { url: publicUrl, port, torrentPort, library, swarm, deletions, stop: teardown.run }
  } catch (err) {
    await teardown.run()
    throw err
  }

  /** Registers with an origin, retrying with backoff while it is unreachable or refuses; undefined once stopped. */
  async function registerUntilAccepted (client: OriginClient, originLog: Logger, signal: AbortSignal): Promise<Registration | undefined> {
    let backoff = 1000
    while (!signal.aborted) {
      try {
        const registration = await client.register()
        originLog.info('registered with origin')
        return registration
      } catch (err) {
        originLog.warn({ err }, `registration failed; retrying in ${backoff / 1000} s`)
        await abortableSleep(backoff, signal)
        backoff = Math.min(backoff * 2, REGISTER_RETRY_MAX_MS)
      }
    }
    return undefined
  }
}
