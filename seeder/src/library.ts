import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { parseTorrentFile } from '@fedswarm/peer'
import type { CanaryOffer, Manifest } from '@fedswarm/protocol'
import { createPopularity } from '@fedswarm/runtime'
import type { Readable } from 'node:stream'
import { createFsBlobStore, type ByteRange, type Db } from '@fedswarm/storage'
import { chooseFairEvictions } from './fair-eviction.ts'
import { itemsRepository, type SeederItem } from './items-repository.ts'
import { checkedTorrent, type OriginClients } from './origin-client.ts'
import type { RefusalCheck } from './refusals.ts'
import type { Swarm } from './active-swarm.ts'
import { sha256OfFile } from './verify-file.ts'

export interface LibraryOptions {
  db: Db
  swarm: Swarm
  /**
   * How canaries are fetched; `swarm` when absent. No peer ever has a
   * canary: over HTTP, a seeder that holds nothing else never loads the
   * BitTorrent client (some 10 MiB) to earn its trust.
   */
  canarySwarm?: Swarm
  itemsDir: string
  log: Logger
  quota: number
  minLifetime: number
  clients: OriginClients
  /** What this seeder's admin refuses: never fetched, seeded nor served. */
  refusals: RefusalCheck
  now?: () => number
}

export interface Servable {
  item: SeederItem
  read (range?: ByteRange): Promise<Readable>
}

export interface LibraryStats {
  stored: number
  storedBytes: number
  fetching: number
}

/**
 * The items a seeder holds: fetched through the swarm on `hot`, verified
 * against the manifest's sha256, kept within the disk quota, served only
 * when complete and verified, and brought back into the swarm when asked
 * for again.
 */
export interface Library {
  /** Checks what is on disk, resumes unfinished fetches, and seeds the most demanded items. */
  start (): Promise<void>
  /** `torrent`: the one the hot event carried (checked against the manifest here); else fetched from the origin. */
  onHot (origin: string, manifest: Manifest, torrent?: Buffer): Promise<void>
  /**
   * The canary an origin offered at registration: fetched at once from its
   * web seed (no peer has it), reported held like any item so the origin
   * verifies it (that is how a new seeder earns trust), dropped at its
   * expiry (also across restarts): no deletion notice ever comes for it.
   */
  fetchCanary (origin: string, offer: CanaryOffer): Promise<void>
  /** A complete, verified item for the mirror; 'deleted' for a tombstoned one, 'refused' for one the admin refuses; undefined otherwise. Counts as demand. */
  servable (infoHash: string): Promise<Servable | 'deleted' | 'refused' | undefined>
  /** An item being fetched now, read as its pieces verify (a progressive mirror answer); undefined when none is under way. */
  streamable (infoHash: string): Servable | undefined
  /** Deletion: leaves the swarm, removes the file and the row, and refuses the item from now on. */
  purge (origin: string, infoHash: string, seq: number): Promise<void>
  /** Refusal: purges every item the admin refuses now, reports each to its origin as not held; resolves to their info hashes. */
  enforceRefusals (): Promise<string[]>
  /** Items of an origin are neither served nor seeded until its deletions have been caught up. */
  block (origin: string): void
  unblock (origin: string): Promise<void>
  stats (): LibraryStats
  /** Info hashes of the complete items of one origin, canaries aside (a new registration gets a new one): reported again after (re)registration. */
  held (origin: string): string[]
  /** Info hashes of items gone from here that their origin could not be told of yet; each is returned once. */
  takeUnreported (origin: string): string[]
  /** The origin of an item held or being fetched: bytes moved are counted per origin. */
  originOf (infoHash: string): string | undefined
  stop (): Promise<void>
}

/** Demand at which an item that left the swarm comes back into it. */
const REACTIVATE_AT = 3
/** Refused items remembered by info hash (to answer for a sha256 refusal by info hash), at most. */
const TURNED_AWAY_MAX = 10_000
/** However late an origin says its canary expires, it is dropped after this long. */
const MAX_CANARY_KEEP_MS = 60 * 60_000

export function createLibrary (options: LibraryOptions): Library {
  const { db, swarm, log } = options
  const canarySwarm = options.canarySwarm ?? swarm
  const now = options.now ?? Date.now
  const items = new Map<string, SeederItem>()
  const inFlight = new Map<string, Promise<void>>()
  const demand = createPopularity({ halfLifeMs: 3_600_000, now })
  const tombstones = new Set<string>()
  const blocked = new Set<string>()
  /** Info hash -> sha256 of refused items met here (announced or purged): a sha256 refusal answers for their info hash too. */
  const turnedAway = new Map<string, string>()
  /** The timer that drops each canary held or being fetched. */
  const canaryTimers = new Map<string, NodeJS.Timeout>()
  const controller = new AbortController()
  let stopped = false

  // Files are opened before a response starts, so a file removed meanwhile is a clean error.
  const files = createFsBlobStore(options.itemsDir)
  const dirOf = (infoHash: string): string => join(options.itemsDir, infoHash)
  const fileOf = (item: SeederItem): string => join(dirOf(item.infoHash), item.mediaId)

  /** Items to report to their origin as not held once it can be told (not followed yet at start, or unreachable). */
  const unreported = new Map<string, Set<string>>()

  /** Tells an item's origin this seeder no longer holds it, now or, failing that, at its next registration. */
  async function reportNotHeld (origin: string, infoHash: string): Promise<void> {
    const client = options.clients.get(origin)
    const told = client === undefined ? false : await client.reportHolding(infoHash, 'none').then(() => true, () => false)
    if (told) return
    let pending = unreported.get(origin)
    if (pending === undefined) unreported.set(origin, pending = new Set())
    pending.add(infoHash)
  }

  async function drop (item: SeederItem, reason: string): Promise<void> {
    log.warn({ infoHash: item.infoHash, reason }, 'dropping item')
    items.delete(item.infoHash)
    await deactivate(item.infoHash)
    await rm(dirOf(item.infoHash), { recursive: true, force: true })
    await itemsRepository.remove(db, item.infoHash)
    await reportNotHeld(item.origin, item.infoHash)
  }

  /** The one refusal check of every path that fetches, seeds or serves. */
  function refused (infoHash: string, sha256 = items.get(infoHash)?.sha256 ?? turnedAway.get(infoHash)): boolean {
    return options.refusals.refuses(infoHash, sha256)
  }

  /** Remembers a refused item; false when it was known already. */
  function turnAway (infoHash: string, sha256: string): boolean {
    const known = turnedAway.delete(infoHash)
    turnedAway.set(infoHash, sha256)
    if (turnedAway.size > TURNED_AWAY_MAX) turnedAway.delete(turnedAway.keys().next().value!)
    return !known
  }

  async function deactivate (infoHash: string): Promise<void> {
    await swarm.deactivate(infoHash)
    if (canarySwarm !== swarm) await canarySwarm.deactivate(infoHash)
  }

  /** Takes an item out of the swarm and off the disk: a fetch in flight ends with its torrent, its files go with the folder. */
  async function clear (infoHash: string): Promise<void> {
    items.delete(infoHash)
    demand.forget(infoHash)
    await deactivate(infoHash)
    await inFlight.get(infoHash)
    await rm(dirOf(infoHash), { recursive: true, force: true })
  }

  function usedBytes (): number {
    let total = 0
    for (const item of items.values()) total += item.size
    return total
  }

  /** Frees room for `size` more bytes of `origin` within its fair share (fair-eviction.ts), or returns false when the quota cannot hold it now. */
  async function makeRoom (origin: string, size: number): Promise<boolean> {
    if (usedBytes() + size <= options.quota) return true
    const t = now()
    const victims = chooseFairEvictions([...items.values()].map((item) => ({
      infoHash: item.infoHash,
      origin: item.origin,
      size: item.size,
      requests: demand.score(item.infoHash) + item.requests,
      demandedAt: item.demandedAt.getTime(),
      completedAt: item.state === 'complete' ? (item.completedAt?.getTime() ?? null) : null
    })), { origin, size }, options.quota, t, options.minLifetime)
    if (victims === null) return false
    for (const victim of victims) await drop(items.get(victim.infoHash)!, 'evicted: over quota')
    return true
  }

  async function fetchItem (item: SeederItem): Promise<void> {
    const client = options.clients.get(item.origin)
    // The torrent's own web seed is the origin's media URL: over BitTorrent it is used only when peers stall.
    const originHost = new URL(item.origin).origin
    const webSeeds = ((await parseTorrentFile(item.torrent)).urlList ?? []).filter((url) => URL.canParse(url) && new URL(url).origin === originHost)
    const mirrors = async (): Promise<string[]> => {
      // A canary is no media of the origin, and no one else holds it.
      if (item.canaryUntil !== null) return []
      const manifest = client === undefined ? undefined : await client.manifest(item.mediaId)
      return manifest?.infoHash === item.infoHash ? manifest.mirrors : []
    }
    const reportFilling = (): void => {
      client?.reportHolding(item.infoHash, 'filling').catch((err: unknown) => log.debug({ err, infoHash: item.infoHash }, 'could not report a fetch under way'))
    }
    // A canary was made for this seeder alone: no peer will ever have it.
    const webSeedAfter = item.canaryUntil !== null ? 0 : undefined
    const { path, sha256 } = await (item.canaryUntil === null ? swarm : canarySwarm).fetch({ infoHash: item.infoHash, origin: item.origin, torrent: item.torrent }, { webSeeds, webSeedAfter, sha256: item.sha256, mirrors, signal: controller.signal, onReady: reportFilling })
    if (stopped || tombstones.has(item.infoHash) || refused(item.infoHash, item.sha256)) return
    if (sha256 !== item.sha256) {
      await drop(item, `sha256 mismatch after download: ${sha256}`)
      return
    }
    const { mtimeMs } = await stat(path)
    if (tombstones.has(item.infoHash) || refused(item.infoHash, item.sha256)) return
    await itemsRepository.markComplete(db, item.infoHash, mtimeMs)
    const complete: SeederItem = { ...item, state: 'complete', fileMtimeMs: mtimeMs, completedAt: new Date(now()) }
    items.set(item.infoHash, complete)
    log.info({ infoHash: item.infoHash, size: item.size }, 'item complete and verified')
    await client?.reportHolding(item.infoHash, 'held').catch((err: unknown) => log.warn({ err, infoHash: item.infoHash }, 'could not report holding'))
  }

  function startFetch (item: SeederItem): Promise<void> {
    const running = inFlight.get(item.infoHash)
    if (running !== undefined) return running
    const job = fetchItem(item).catch((err: unknown) => {
      if (stopped) return
      log.warn({ err, infoHash: item.infoHash }, 'fetch failed; will retry on the next hot event or restart')
      // The origin may have been told the fetch was under way: no more fetchers are sent here for it.
      void reportNotHeld(item.origin, item.infoHash)
    }).finally(() => inFlight.delete(item.infoHash))
    inFlight.set(item.infoHash, job)
    return job
  }

  /** A complete item on disk is trusted when its size and mtime are those recorded at verification; else it is hashed again. */
  async function checkOnDisk (item: SeederItem): Promise<boolean> {
    const info = await stat(fileOf(item)).catch(() => null)
    if (info === null || info.size !== item.size) return false
    if (info.mtimeMs === item.fileMtimeMs) return true
    if (await sha256OfFile(fileOf(item)) !== item.sha256) return false
    await itemsRepository.markComplete(db, item.infoHash, info.mtimeMs)
    item.fileMtimeMs = info.mtimeMs
    return true
  }

  /** Drops a canary at its expiry (at once if past). */
  function expireCanary (item: SeederItem): void {
    if (item.canaryUntil === null) return
    clearTimeout(canaryTimers.get(item.infoHash))
    const timer = setTimeout(() => {
      canaryTimers.delete(item.infoHash)
      const held = items.get(item.infoHash)
      if (held !== undefined && !stopped) drop(held, 'canary expired').catch((err: unknown) => log.warn({ err, infoHash: item.infoHash }, 'could not drop an expired canary'))
    }, Math.max(0, item.canaryUntil.getTime() - now()))
    timer.unref()
    canaryTimers.set(item.infoHash, timer)
  }

  /** A hot item (or a canary, until `canaryUntil`): fetched unless held, deleted, or too big for the quota now. */
  async function admit (origin: string, manifest: Manifest, given: { canaryUntil?: Date, torrent?: Buffer } = {}): Promise<void> {
    const canaryUntil = given.canaryUntil ?? null
    if (stopped || tombstones.has(manifest.infoHash) || blocked.has(origin)) return
    if (refused(manifest.infoHash, manifest.sha256)) {
      if (turnAway(manifest.infoHash, manifest.sha256)) log.info({ infoHash: manifest.infoHash, origin }, 'refused item announced hot: not fetched')
      return
    }
    const known = items.get(manifest.infoHash)
    if (known !== undefined) {
      if (known.state === 'complete') await swarm.seed({ infoHash: known.infoHash, origin: known.origin, torrent: known.torrent })
      return
    }
    if (!await makeRoom(origin, manifest.size)) {
      log.warn({ infoHash: manifest.infoHash, origin, size: manifest.size, quota: options.quota }, 'hot item does not fit the quota, or its origin\'s fair share of it, now; skipped')
      return
    }
    const client = options.clients.get(origin)
    if (client === undefined) return
    const torrent = given.torrent === undefined
      ? await client.torrent(manifest)
      : await checkedTorrent(manifest, given.torrent).catch((err: unknown) => {
        log.warn({ err, infoHash: manifest.infoHash, origin }, 'the torrent in the hot event is not the manifest\'s: fetching it')
        return client.torrent(manifest)
      })
    const name = (await parseTorrentFile(torrent)).name
    if (name !== manifest.id) throw new Error(`torrent names its file ${String(name)}, not ${manifest.id}`)
    const item: SeederItem = {
      infoHash: manifest.infoHash, origin, mediaId: manifest.id, sha256: manifest.sha256, mediaType: manifest.mediaType,
      size: manifest.size, torrent, state: 'fetching', fileMtimeMs: null, requests: 0, demandedAt: new Date(now()), createdAt: new Date(now()), completedAt: null, canaryUntil
    }
    if (!await itemsRepository.insertFetching(db, item)) return
    // Refused while the torrent was fetched or the row written: enforceRefusals could not see it yet.
    if (refused(item.infoHash, item.sha256)) {
      await itemsRepository.remove(db, item.infoHash)
      return
    }
    items.set(item.infoHash, item)
    expireCanary(item)
    void startFetch(item)
  }

  return {
    async start () {
      for (const infoHash of await itemsRepository.tombstones(db)) tombstones.add(infoHash)
      for (const item of await itemsRepository.all(db)) {
        // Refused while this seeder was down (a list file edited): purged before anything else sees it.
        if (refused(item.infoHash, item.sha256)) {
          turnAway(item.infoHash, item.sha256)
          await drop(item, 'refused by this seeder\'s admin')
          continue
        }
        if (item.state === 'complete' && !await checkOnDisk(item)) {
          await drop(item, 'file on disk no longer matches its hash')
          continue
        }
        items.set(item.infoHash, item)
        expireCanary(item)
      }
      const ranked = [...items.values()].sort((a, b) => b.requests - a.requests || b.demandedAt.getTime() - a.demandedAt.getTime())
      for (const item of ranked) {
        if (item.state === 'fetching' && !blocked.has(item.origin)) void startFetch(item)
      }
      for (const item of ranked.filter((i) => i.state === 'complete' && i.canaryUntil === null && !blocked.has(i.origin)).slice(0, Math.max(0, swarm.capacity() - inFlight.size))) {
        await swarm.seed({ infoHash: item.infoHash, origin: item.origin, torrent: item.torrent })
      }
      log.info({ items: items.size, fetching: inFlight.size }, 'library ready')
    },

    onHot: (origin, manifest, torrent) => admit(origin, manifest, { torrent }),

    async fetchCanary (origin, offer) {
      await admit(origin, offer.manifest, { canaryUntil: new Date(Math.min(Date.parse(offer.expiresAt), now() + MAX_CANARY_KEEP_MS)) })
    },

    async servable (infoHash) {
      if (tombstones.has(infoHash)) return 'deleted'
      if (refused(infoHash)) return 'refused'
      const item = items.get(infoHash)
      if (item?.state !== 'complete' || blocked.has(item.origin)) return undefined
      const score = demand.record(infoHash)
      if (item.canaryUntil === null && !swarm.isActive(infoHash) && score >= REACTIVATE_AT) {
        swarm.seed({ infoHash, origin: item.origin, torrent: item.torrent }).catch((err: unknown) => log.warn({ err, infoHash }, 'could not seed again'))
      }
      return { item, read: (range) => files.read(`${item.infoHash}/${item.mediaId}`, range) }
    },

    streamable (infoHash) {
      const item = items.get(infoHash)
      if (item === undefined || item.state === 'complete' || tombstones.has(infoHash) || refused(infoHash) || blocked.has(item.origin) || !inFlight.has(infoHash)) return undefined
      if (!swarm.canStream(infoHash)) return undefined
      return {
        item,
        async read (range) {
          const stream = swarm.stream(infoHash, range)
          if (stream === undefined) throw new Error('the fetch ended before the item could be streamed')
          return stream
        }
      }
    },

    stats () {
      let stored = 0
      let storedBytes = 0
      for (const item of items.values()) {
        // A canary is a test of this seeder, not media it keeps.
        if (item.state !== 'complete' || item.canaryUntil !== null) continue
        stored++
        storedBytes += item.size
      }
      return { stored, storedBytes, fetching: inFlight.size }
    },

    async purge (origin, infoHash, seq) {
      tombstones.add(infoHash)
      const known = items.has(infoHash)
      await clear(infoHash)
      await itemsRepository.tombstone(db, origin, infoHash, seq)
      if (known) log.info({ infoHash, seq }, 'item deleted by its origin: purged')
    },

    async enforceRefusals () {
      const purged: string[] = []
      for (const item of [...items.values()]) {
        if (!refused(item.infoHash, item.sha256)) continue
        turnAway(item.infoHash, item.sha256)
        await clear(item.infoHash)
        await itemsRepository.remove(db, item.infoHash)
        log.info({ infoHash: item.infoHash, origin: item.origin }, 'item refused by this seeder\'s admin: purged')
        await reportNotHeld(item.origin, item.infoHash)
        purged.push(item.infoHash)
      }
      return purged
    },

    block (origin) {
      blocked.add(origin)
    },

    async unblock (origin) {
      if (!blocked.delete(origin)) return
      for (const item of items.values()) {
        if (item.origin !== origin) continue
        if (item.state === 'fetching') void startFetch(item)
        else if (item.canaryUntil === null && swarm.activeCount() < swarm.capacity()) await swarm.seed({ infoHash: item.infoHash, origin: item.origin, torrent: item.torrent })
      }
    },

    takeUnreported (origin) {
      const pending = [...unreported.get(origin) ?? []]
      unreported.delete(origin)
      return pending
    },

    held (origin) {
      return [...items.values()].filter((item) => item.origin === origin && item.state === 'complete' && item.canaryUntil === null).map((item) => item.infoHash)
    },

    originOf: (infoHash) => items.get(infoHash)?.origin,

    async stop () {
      stopped = true
      for (const timer of canaryTimers.values()) clearTimeout(timer)
      controller.abort()
      await Promise.allSettled([...inFlight.values()])
      for (const { id, score } of demand.top(10_000)) {
        const item = items.get(id)
        if (item !== undefined) await itemsRepository.recordDemand(db, id, item.requests + score, new Date(now())).catch(() => {})
      }
    }
  }
}
