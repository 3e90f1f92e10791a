// Scenario 4, seeder scale: one seeder holding thousands of small items (its
// active set bounded by FEDSWARM_MAX_ACTIVE_TORRENTS), then its resident
// memory, its CPU while idle, the time to serve a cold item over HTTP and the
// time until that item is back in the swarm (the origin's tracker lists the
// seeder as a complete peer again).

import bencode from 'bencode'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { pngBytes } from '@fedswarm/testkit'
import {
  ADMIN_TOKEN, KiB, MiB, alive, cleanupAll, outputTail, cpuSeconds, log, metric, openFiles, originMetrics, poll, round, rssBytes, seederMetrics, sha256Base64url, sleep,
  startOrigin, startSeeder, type DaemonProcess, type DbChoice, type OriginProcess
} from './processes.ts'

export interface SeederScaleOptions {
  items: number
  itemSize: number
  /** Publishes in flight at once. */
  publishConcurrency: number
  /** The seeder's FEDSWARM_MAX_ACTIVE_TORRENTS. */
  maxActive: number
  idleSeconds: number
  /** Seconds between the last item held and the measurements. */
  settleSeconds: number
  /** Metadata store of the measured seeder and of the origin. */
  seederDb: DbChoice
  originDb: DbChoice
  /** Metadata stores an empty seeder is measured with, for comparison. */
  emptyDbs: DbChoice[]
  /** The origin's FEDSWARM_MAX_ACTIVE_TORRENTS during the fill, and the seeder's FEDSWARM_WEBSEED_AFTER. */
  originMaxActive: number
  webSeedAfter: string
  /** Bound on the whole fill (publish + fetch), seconds. */
  fillTimeoutSeconds: number
}

export interface SeederScaleResult {
  config: SeederScaleOptions
  fill: { published: number, held: number, publishSeconds: number, heldSeconds: number, itemsPerSecond: number }
  activeTorrents: number
  rssBytes: number
  /** The seeder's own view, from its /metrics (prom-client's default Node metrics). */
  memory?: { heapUsedBytes: number, heapTotalBytes: number, externalBytes: number }
  /** Open file descriptors of the seeder once full (/proc/<pid>/fd), by kind; the limit is `ulimit -n`. */
  openFiles: { total: number, sockets: number, epoll: number }
  /** A fresh seeder with no item, for each metadata store: what the process costs before any item. */
  empty: Partial<Record<DbChoice, { rssBytes: number, idleCpuPercent: number, openFiles: number }>>
  /** Measured once the origin had verified every copy (`verifySeconds` after the fill; absent in results of earlier runs). */
  idleCpu: { seconds: number, cpuSeconds: number, percentOfOneCore: number, verifySeconds?: number }
  cold: {
    /** Before the first GET: the tracker's complete peers for the item (0 = nobody seeds it). */
    completeBefore: number
    firstByteMs: number
    serveMs: number
    verified: boolean
    /** GETs it took before the item came back into the swarm. */
    requestsToReactivate: number
    /** From the first GET to the tracker listing the seeder as a complete peer. */
    backInSwarmMs: number
  }
}

async function publish (origin: OriginProcess, bytes: Buffer): Promise<Manifest> {
  const response = await fetch(`${origin.url}/api/media?hot=1`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'image/png' },
    body: new Uint8Array(bytes),
    signal: AbortSignal.timeout(30_000)
  })
  if (response.status !== 201) throw new Error(`publish answered ${response.status}: ${await response.text()}`)
  return manifestSchema.parse(await response.json())
}

function percentEncode (hex: string): string {
  return [...Buffer.from(hex, 'hex')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')
}

/** Complete peers of one swarm, from the origin tracker's scrape. */
async function completePeers (origin: OriginProcess, infoHash: string): Promise<number> {
  const response = await fetch(`${origin.url}/scrape?info_hash=${percentEncode(infoHash)}`, { signal: AbortSignal.timeout(5000) })
  const answer = bencode.decode(new Uint8Array(await response.arrayBuffer())) as { files?: Record<string, { complete?: number }> }
  const files = Object.values(answer.files ?? {})
  return files[0]?.complete ?? 0
}

async function held (seeder: DaemonProcess): Promise<{ stored: number, active: number }> {
  const text = await seederMetrics(seeder.url)
  return { stored: metric(text, 'fedswarm_seeder_items_stored'), active: metric(text, 'fedswarm_seeder_torrents_active') }
}

async function emptySeeder (db: DbChoice, origin: OriginProcess): Promise<{ rssBytes: number, idleCpuPercent: number, openFiles: number }> {
  const seeder = await startSeeder(db, origin.url, {})
  try {
    await sleep(2000)
    const cpu0 = await cpuSeconds(seeder.pid)
    const t = performance.now()
    await sleep(3000)
    const idleCpuPercent = round(100 * (await cpuSeconds(seeder.pid) - cpu0) / ((performance.now() - t) / 1000), 2)
    return { rssBytes: await rssBytes(seeder.pid), idleCpuPercent, openFiles: (await openFiles(seeder.pid)).total }
  } finally {
    await seeder.stop()
  }
}

/** What a fill needs: how many items, how big, how fast, for how long at most; `label` prefixes its progress lines. */
export type FillOptions = Pick<SeederScaleOptions, 'items' | 'itemSize' | 'publishConcurrency' | 'maxActive' | 'webSeedAfter' | 'fillTimeoutSeconds'> & { label: string }

export interface FilledSeeder {
  seeder: DaemonProcess
  /** In publishing order: the first is the coldest. */
  manifests: Manifest[]
  fill: SeederScaleResult['fill']
}

/**
 * Resolves once the origin has verified every copy the seeder holds, in
 * seconds: until then the seeder is not idle (each check reads pieces from
 * its mirror).
 */
export async function copiesVerified (origin: OriginProcess, seeder: DaemonProcess, timeoutSeconds: number): Promise<number> {
  const started = performance.now()
  const stored = metric(await seederMetrics(seeder.url), 'fedswarm_seeder_items_stored')
  await poll('the origin to verify every copy on the seeder', timeoutSeconds * 1000, 1000, async () =>
    metric(await originMetrics(origin.url), 'fedswarm_mirrors_verified') >= stored ? true : undefined)
  return round((performance.now() - started) / 1000, 0)
}

/**
 * Starts a seeder (metadata in `db`, active set `maxActive`) on `origin`,
 * publishes `items` items hot, a few at a time, and resolves once the seeder
 * holds every one (it hears of each through its event stream and fetches it).
 */
export async function fillSeeder (origin: OriginProcess, db: DbChoice, options: FillOptions): Promise<FilledSeeder> {
  const seeder = await startSeeder(db, origin.url, {
    FEDSWARM_MAX_ACTIVE_TORRENTS: String(options.maxActive),
    FEDSWARM_WEBSEED_AFTER: options.webSeedAfter,
    FEDSWARM_POLL_INTERVAL: '1s'
  })
  await poll('the seeder\'s event stream', 60_000, 250, async () => {
    const response = await fetch(`${origin.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    return metric(await response.text(), 'fedswarm_event_streams') >= 1 ? true : undefined
  })

  // Every item published hot, a few at a time: the seeder hears of each through its event stream and fetches it.
  const started = performance.now()
  const deadline = started + options.fillTimeoutSeconds * 1000
  const manifests: Manifest[] = []
  let next = 0
  let publishSeconds = 0
  const publisher = async (): Promise<void> => {
    while (next < options.items && performance.now() < deadline) {
      next++
      manifests.push(await publish(origin, pngBytes(options.itemSize)))
    }
  }
  let publishError: unknown
  const publishing = Promise.all(Array.from({ length: options.publishConcurrency }, publisher)).then(
    () => { publishSeconds = (performance.now() - started) / 1000 },
    (err: unknown) => { publishError = err })
  let state = { stored: 0, active: 0 }
  let lastReport = 0
  while (performance.now() < deadline && publishError === undefined) {
    if (!alive(seeder.pid)) throw new Error(`the seeder exited while holding ${state.stored} items (${state.active} active); its last output:\n${outputTail(seeder)}`)
    state = await held(seeder).catch(() => state)
    if (performance.now() - lastReport > 5000) {
      log(`${options.label}: ${manifests.length}/${options.items} published, ${state.stored} held, ${state.active} active (${round((performance.now() - started) / 1000, 0)} s)`)
      lastReport = performance.now()
    }
    if (state.stored >= options.items) break
    await sleep(500)
  }
  await publishing
  if (publishError !== undefined) throw publishError
  const heldSeconds = (performance.now() - started) / 1000
  log(`${options.label}: ${manifests.length} published in ${round(publishSeconds, 1)} s, ${state.stored} held after ${round(heldSeconds, 1)} s`)

  return {
    seeder,
    manifests,
    fill: { published: manifests.length, held: state.stored, publishSeconds: round(publishSeconds, 1), heldSeconds: round(heldSeconds, 1), itemsPerSecond: round(state.stored / heldSeconds, 1) }
  }
}

export async function runSeederScale (options: SeederScaleOptions): Promise<SeederScaleResult> {
  log(`seeder-scale: ${options.items} items of ${options.itemSize / KiB} KiB, active set ${options.maxActive}, seeder db ${options.seederDb}`)
  try {
    // The origin seeds only a few hot items at once (each torrent it seeds holds hundreds of descriptors, see RESULTS.md);
    // the rest reach the seeder through the web seed, soon.
    const origin = await startOrigin(options.originDb, { FEDSWARM_MAX_ACTIVE_TORRENTS: String(options.originMaxActive) })
    // Before any item exists: what a seeder costs with nothing to hold.
    const empty: SeederScaleResult['empty'] = {}
    await Promise.all(options.emptyDbs.map(async (db) => { empty[db] = await emptySeeder(db, origin) }))
    log(`seeder-scale: an empty seeder: ${Object.entries(empty).map(([db, e]) => `${db} RSS ${round(e.rssBytes / MiB, 0)} MiB, idle CPU ${e.idleCpuPercent} %`).join('; ')}`)
    const { seeder, manifests, fill } = await fillSeeder(origin, options.seederDb, { ...options, label: 'seeder-scale' })
    const verifySeconds = await copiesVerified(origin, seeder, options.fillTimeoutSeconds)
    // Settle (the last fetches turn into seeding, the store writes its state), then measure.
    await sleep(options.settleSeconds * 1000)
    const rss = await rssBytes(seeder.pid)
    // What of the RSS is the JavaScript heap (live objects and what V8 keeps reserved) and what is outside it (buffers, native modules).
    const seederMetricsText = await seederMetrics(seeder.url)
    const memory = {
      heapUsedBytes: metric(seederMetricsText, 'nodejs_heap_size_used_bytes'),
      heapTotalBytes: metric(seederMetricsText, 'nodejs_heap_size_total_bytes'),
      externalBytes: metric(seederMetricsText, 'nodejs_external_memory_bytes')
    }
    const files = await openFiles(seeder.pid)
    const state = await held(seeder)
    const cpu0 = await cpuSeconds(seeder.pid)
    const idle0 = performance.now()
    await sleep(options.idleSeconds * 1000)
    const idleSeconds = (performance.now() - idle0) / 1000
    const idleCpuSeconds = await cpuSeconds(seeder.pid) - cpu0
    log(`seeder-scale: RSS ${round(rss / MiB, 0)} MiB and ${files.total} open files (${files.sockets} sockets) with ${state.stored} items (${state.active} active), idle CPU ${round(100 * idleCpuSeconds / idleSeconds, 2)} % of one core over ${round(idleSeconds, 0)} s`)

    // The cold item: the first published, long out of the active set.
    const cold = manifests[0]!
    const completeBefore = await completePeers(origin, cold.infoHash)
    const coldStarted = performance.now()
    const response = await fetch(`${seeder.url}/media/${cold.infoHash}`, { signal: AbortSignal.timeout(30_000) })
    const firstByteMs = performance.now() - coldStarted
    const body = new Uint8Array(await response.arrayBuffer())
    const serveMs = performance.now() - coldStarted
    const verified = response.status === 200 && sha256Base64url(body) === cold.sha256
    // Asked for again, it comes back into the swarm (the seeder re-activates an item after a few requests).
    let requests = 1
    let backInSwarmMs = NaN
    const backDeadline = performance.now() + 60_000
    while (performance.now() < backDeadline) {
      if (await completePeers(origin, cold.infoHash).catch(() => 0) > completeBefore) {
        backInSwarmMs = performance.now() - coldStarted
        break
      }
      if (requests < 10) {
        const again = await fetch(`${seeder.url}/media/${cold.infoHash}`, { signal: AbortSignal.timeout(30_000) })
        await again.arrayBuffer()
        requests++
      }
      await sleep(100)
    }
    log(`seeder-scale: cold item served in ${round(serveMs, 1)} ms (first byte ${round(firstByteMs, 1)} ms), back in the swarm ${round(backInSwarmMs, 0)} ms after the first of ${requests} GETs`)

    return {
      config: options,
      fill,
      activeTorrents: state.active,
      rssBytes: rss,
      memory,
      openFiles: files,
      empty,
      idleCpu: { seconds: round(idleSeconds, 1), cpuSeconds: round(idleCpuSeconds, 2), percentOfOneCore: round(100 * idleCpuSeconds / idleSeconds, 2), verifySeconds },
      cold: { completeBefore, firstByteMs: round(firstByteMs, 1), serveMs: round(serveMs, 1), verified, requestsToReactivate: requests, backInSwarmMs: round(backInSwarmMs, 0) }
    }
  } finally {
    await cleanupAll()
  }
}
