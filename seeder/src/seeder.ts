import { listenHttp, loadAdminToken } from '@fedswarm/web'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { buildSeederDocument } from '@fedswarm/protocol'
import { createTeardown, lockDataFolder } from '@fedswarm/runtime'
import { loadOrCreateKeyPair, migrate, openDb, upgradePgliteToSqlite } from '@fedswarm/storage'
import { createSeederApp } from './app.ts'
import { createDeletions, type Deletions } from './deletions.ts'
import type { SeederConfig } from './config.ts'
import { createDiscovery } from './discovery.ts'
import { createFollowedOrigins, type OriginStatus } from './followed-origins.ts'
import { itemsRepository } from './items-repository.ts'
import { createLibrary, type Library } from './library.ts'
import { createSeederMetrics } from './metrics.ts'
import { SEEDER_NAMESPACE, SEEDER_TABLES, seederMigrations } from './migrations.ts'
import type { OriginClients } from './origin-client.ts'
import { chooseOrigins, type ChosenOrigin } from './origin-filter.ts'
import type { ByteSource, Swarm } from './active-swarm.ts'
import { createHttpTransport } from './http-transport.ts'
import { createUploadShares } from './upload-shares.ts'
import { watchRefuseList } from './refuse-list-watcher.ts'
import { createRefusals } from './refusals.ts'
import { adminUiRoute } from '@fedswarm/admin-ui'
import { HttpError } from './errors.ts'

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
  /** Tests only: a shorter bound on a discovery probe than 5 s. */
  probeTimeoutMs?: number
}

export interface RunningSeeder {
  url: string
  port: number
  /** null with FEDSWARM_TRANSPORT=http: no BitTorrent port is open. */
  torrentPort: number | null
  library: Library
  swarm: Swarm
  deletions: Deletions
  /** The admin token, only when this start generated it (kept in the data folder): print it once. */
  generatedAdminToken?: string
  /** The origins followed at start, once each has answered (or failed) its first registration: what to tell the admin. */
  firstRegistrations (): Promise<OriginStatus[]>
  stop (): Promise<void>
}

/**
 * Wires a seeder from its config in dependency order — log, storage, key,
 * HTTP, swarm, library, origins followed, discovery — and tears it down in reverse.
 */
export async function startSeeder (config: SeederConfig, overrides: SeederOverrides = {}): Promise<RunningSeeder> {
  const log = overrides.log ?? pino({ level: config.logLevel })
  const teardown = createTeardown((err) => log.warn({ err }, 'error while stopping'))
  let started = false
  // Added first, so it runs last; a start that failed has said why, and stopped nothing that ran.
  teardown.add(() => { if (started) log.info('seeder stopped') })
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
    const lock = await lockDataFolder(config.dataDir)
    teardown.add(() => lock.release())
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
    const adminToken = await loadAdminToken(config.dataDir, config.adminToken)

    const http = await listenHttp({ host: config.host, port: config.port, log, requestTimeoutMs: 120_000, headersTimeoutMs: overrides.headersTimeoutMs })
    teardown.add(() => http.close())
    const port = http.port
    const publicUrl = config.port === 0 && config.publicUrl === 'http://localhost:0' ? `http://127.0.0.1:${port}` : config.publicUrl
    const document = buildSeederDocument(publicUrl, key.publicKeyPem, SEEDER_VERSION)
    const identity = { keyId: document.publicKey.id, privateKey: key.privateKey, publicUrl, serverAddresses: config.serverAddresses }

    const metrics = createSeederMetrics()
    // One child per source and direction: given the labels, prom-client would hash them for every chunk a peer moves.
    const byteCounters = new Map<string, { inc (n: number): void }>()
    const { transport } = config
    const transportOptions = {
      itemsDir,
      log: log.child({ component: 'swarm' }),
      uploadLimit: config.uploadLimit,
      downloadLimit: config.downloadLimit,
      maxActive: config.maxActive,
      webSeedAfter: config.webSeedAfter,
      onBytes: (source: ByteSource, direction: 'in' | 'out', bytes: number, infoHash: string) => {
        const key = `${source} ${direction}`
        let counter = byteCounters.get(key)
        if (counter === undefined) byteCounters.set(key, counter = metrics.bytes.labels({ source, direction }))
        counter.inc(bytes)
        const origin = library.originOf(infoHash)
        if (origin !== undefined) followed.countBytes(origin, direction, bytes)
      }
    }
    // The swarm loads webtorrent (some 10 MiB) only when its first torrent joins (peer-client.ts); the HTTP transport never does,
    // and canaries go over HTTP whatever the transport (library.ts): an empty seeder earns its trust without webtorrent.
    const swarm: Swarm = transport.kind === 'http'
      ? createHttpTransport({ ...transportOptions, allowPrivateAddresses: config.allowPrivateAddresses, publicUrl })
      : (await import('./active-swarm.ts')).createSwarm({ ...transportOptions, torrentPort: transport.torrentPort, host: config.host, webrtc: config.webrtc })
    teardown.add(() => swarm.stop())
    const canarySwarm = transport.kind === 'http' ? swarm : createHttpTransport({ ...transportOptions, maxActive: 2, allowPrivateAddresses: config.allowPrivateAddresses, publicUrl })
    if (canarySwarm !== swarm) teardown.add(() => canarySwarm.stop())
    const torrentPort = await swarm.listening().catch((err: NodeJS.ErrnoException) => {
      throw Object.assign(new Error(`cannot listen for BitTorrent peers on port ${transport.kind === 'bittorrent' ? transport.torrentPort : ''}: ${err.code ?? err.message} (set FEDSWARM_TORRENT_PORT)`), { code: err.code })
    })

    // The library and deletions reach an origin through the set followed now, built below on them.
    const clients: OriginClients = { get: (origin) => followed.get(origin) }
    // Refusals come before the library: it checks them from its first step on. They purge through the library.
    const refusals = createRefusals({ db, log: log.child({ component: 'refusals' }), listPath: config.refuseList, enforce: () => library.enforceRefusals() })
    await refusals.load()
    const library = createLibrary({ db, swarm, canarySwarm, itemsDir, log: log.child({ component: 'library' }), quota: config.quota, minLifetime: config.minLifetime, clients, refusals })
    teardown.add(() => library.stop())
    if (config.refuseList !== undefined) {
      const refuseList = watchRefuseList({ path: config.refuseList, log: log.child({ component: 'refuse-list' }), apply: (entries) => refusals.applyList(entries) })
      teardown.add(() => refuseList.stop())
      await refuseList.start()
    }
    const deletions = createDeletions({ db, library, clients, log: log.child({ component: 'deletions' }) })
    const followed = createFollowedOrigins({ db, library, deletions, identity, uploadLimit: config.uploadLimit, pollInterval: config.pollInterval, log })
    teardown.add(() => followed.stop())
    const chosen = (discovered: string[]): ChosenOrigin[] => chooseOrigins(config.origins, discovered, config.filter, config.maxOrigins)

    // Deletions first: nothing of an origin is served or seeded before its notices since the stored cursor are applied,
    // and nothing of an origin no longer followed (its deletions are no longer heard).
    for (const origin of await itemsRepository.origins(db)) library.block(origin)
    await library.start()
    const discovery = config.discovery === undefined
      ? undefined
      : createDiscovery({
        ...config.discovery,
        allowPrivateAddresses: config.allowPrivateAddresses,
        filter: config.filter,
        db,
        log: log.child({ component: 'discovery' }),
        onFound: (found) => { void followed.followOnly(chosen(found)) },
        probeTimeoutMs: overrides.probeTimeoutMs
      })
    teardown.add(() => discovery?.stop())

    metrics.gauge('fedswarm_seeder_items_stored', 'Complete, verified items on disk', () => library.stats().stored)
    metrics.gauge('fedswarm_seeder_bytes_stored', 'Bytes of complete items on disk', () => library.stats().storedBytes)
    metrics.gauge('fedswarm_seeder_items_fetching', 'Items being fetched', () => library.stats().fetching)
    metrics.gauge('fedswarm_seeder_torrents_active', 'Torrents in the swarm now', () => swarm.activeCount())
    metrics.gauge('fedswarm_seeder_origins_followed', 'Origins followed now, configured and discovered', () => followed.list().length)

    // Mirror responses: each origin sending has an equal part of the upload cap, all within the one bucket shared with the swarm.
    const uploadShares = config.uploadLimit === undefined ? undefined : createUploadShares(config.uploadLimit, () => swarm.uploadThrottle())
    http.setHandler(createSeederApp({ log, document, library, metrics, onPoke: () => followed.pokeCatchUp(), uploadThrottle: uploadShares === undefined ? undefined : (origin) => uploadShares.throttle(origin),
      adminToken,
      status: () => ({
        origins: followed.status().map((origin) => ({ ...origin, lastProbeAt: discovery?.lastProbeOf(origin.origin)?.toISOString() ?? null })),
        discovery: discovery?.state() ?? null,
        items: library.stats()
      }),
      onMirrorBytes: (origin, bytes) => followed.countBytes(origin, 'out', bytes),
      refusals,
      adminUi: await adminUiRoute({ role: 'seeder', notBuilt: () => new HttpError('admin_ui_not_built') })
    }))
    // Registration comes after the handler: the origin fetches this seeder's /.well-known/fedswarm while it registers.
    await followed.followOnly(chosen([]))
    discovery?.start()
    log.info({ url: publicUrl, port, torrentPort, origins: config.origins, discoverFrom: config.discovery?.listUrl }, 'seeder listening')
    started = true
    return { url: publicUrl, port, torrentPort, library, swarm, deletions, generatedAdminToken: adminToken.generated, firstRegistrations: () => followed.firstRegistrations(), stop: teardown.run }
  } catch (err) {
    await teardown.run()
    throw err
  }
}
