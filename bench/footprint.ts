// Scenario 5, footprint (issue 15): what each role costs a small server. For
// each metadata store (the embedded defaults: PGlite for the origin,
// node:sqlite for the seeder; then PostgreSQL, one fresh schema per role):
// - an empty origin and an empty seeder, started twice on the same data
//   folder (the first start makes the database, PGlite's runs initdb): time to
//   /healthz, RSS 25 s after the start, idle CPU over the next 10 s;
// - a seeder holding 10,000 items (the seeder-scale fill), its RSS and idle CPU;
// - an origin under the soak (bench/soak-run.ts): RSS at the end and its slope;
// - a front-mode origin on an S3 store (s3rver) serving the first request for
//   an object of 50 MiB, then one of 200 MiB, which it streams and hashes in
//   the background: how much its resident set grows above what it held after
//   a small request (a growth that does not follow the object's size is
//   buffers awaiting the garbage collector, not the object held).
// Memory is VmRSS and VmHWM of /proc/<pid>/status, CPU utime + stime of
// /proc/<pid>/stat: what the process costs the machine, whatever it reports.

import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { mastodonKey, pngBytes, startMastodonStore } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess } from '@fedswarm/process-fixture'
import { copiesVerified, fillSeeder } from './seeder-scale.ts'
import { runSoak, SOAK_DEFAULTS } from './soak-run.ts'
import {
  ADMIN_TOKEN, benchTempDir, cleanupAll, cpuSeconds, defer, log, memoryBytes, metric, MiB, pgSchema, postgresAvailable, round, seederMetrics, sleep,
  startOrigin, type DaemonProcess, type DbChoice
} from './processes.ts'

export interface FootprintOptions {
  /** One column per store: 'pglite' stands for the embedded defaults of both roles. */
  dbs: DbChoice[]
  /** RSS is read this long after the start (spawn to reading). */
  rssAfterSeconds: number
  idleSeconds: number
  /** The full seeder: items held, their size, its active set (FEDSWARM_MAX_ACTIVE_TORRENTS). */
  items: number
  itemSize: number
  maxActive: number
  publishConcurrency: number
  originMaxActive: number
  webSeedAfter: string
  fillTimeoutSeconds: number
  /** Seconds between the last item held and its measurements. */
  fillSettleSeconds: number
  soakSeconds: number
}

export interface StartFigures {
  /** Spawn to the first 200 of /healthz. */
  readyMs: number
  rssBytes: number
  peakBytes: number
  idleCpuPercent: number
  /** Share of all cores busy (any process) during the idle window, from /proc/stat: how quiet the machine was. */
  machineBusyPercent: number
}

export interface FullSeederFigures {
  published: number
  held: number
  active: number
  fillSeconds: number
  /** From the fill's end until the origin had verified every copy on the seeder (only then is it idle). */
  verifySeconds?: number
  rssBytes: number
  peakBytes: number
  heapUsedBytes: number
  idleCpuPercent: number
  machineBusyPercent: number
}

export interface SoakFigures {
  seconds: number
  warmupSeconds: number
  startMb: number
  endMb: number
  peakMb: number
  slopeMbPerMinute: number
  flatMbPerMinute: number
  flat: boolean
  sent: number
  errors: number
}

export interface FrontFigures {
  objectBytes: number
  /** RSS after a small request through the front, before the large one. */
  baselineBytes: number
  /** Highest RSS seen (every 20 ms) from the large request until the object became an item. */
  peakBytes: number
  seconds: number
}

export interface FootprintColumn {
  origin?: { first: StartFigures, second: StartFigures }
  seeder?: { first: StartFigures, second: StartFigures }
  fullSeeder?: FullSeederFigures
  soak?: SoakFigures
  /** One per object size, smallest first (a record of an earlier run may hold one, not a list). */
  front?: FrontFigures[] | FrontFigures
  /** Parts that failed, with why; the others are still measured. */
  errors: Partial<Record<'empty' | 'full' | 'soak' | 'front', string>>
}

export interface FootprintResult {
  config: FootprintOptions
  columns: Partial<Record<DbChoice, FootprintColumn>>
  /** Load average after each part: whether other work ran beside the measurements. */
  load: Array<{ part: string, loadAverage: number[] }>
}

/** Busy and total jiffies of all cores (first line of /proc/stat). */
async function machineTicks (): Promise<{ busy: number, total: number }> {
  const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const total = fields.reduce((a, b) => a + b, 0)
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
  return { busy: total - idle, total }
}

/** CPU of `pid` over `seconds`, in % of one core, and how busy the whole machine was meanwhile. */
async function idleCpu (pid: number, seconds: number): Promise<{ percent: number, machineBusyPercent: number }> {
  const cpu0 = await cpuSeconds(pid)
  const machine0 = await machineTicks()
  const t = performance.now()
  await sleep(seconds * 1000)
  const cpu = await cpuSeconds(pid) - cpu0
  const machine1 = await machineTicks()
  const elapsed = (performance.now() - t) / 1000
  return { percent: round(100 * cpu / elapsed, 2), machineBusyPercent: round(100 * (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total), 1) }
}

/** A role's data folder and database schema, kept for its second start. */
interface RoleHome { data: string, env: Record<string, string>, port?: number }

async function roleHome (role: 'origin' | 'seeder', db: DbChoice): Promise<RoleHome> {
  const dir = await benchTempDir(`footprint-${role}`)
  return { data: dir.path, env: db === 'postgres' ? pgSchema().env : {} }
}

/**
 * Starts a role as an admin would (no extra flags: bin/fedswarm.js passes
 * none to Node), times it to /healthz, reads its memory `rssAfterSeconds`
 * after the start, then its CPU over `idleSeconds`. The origin keeps its port
 * across starts, so that the seeder's second start finds the origin it knew.
 */
async function measureStart (role: 'origin' | 'seeder', home: RoleHome, options: FootprintOptions, originUrl?: string): Promise<{ daemon: DaemonProcess, stop: () => Promise<void>, figures: StartFigures }> {
  const env: Record<string, string> = role === 'origin'
    ? { FEDSWARM_ADMIN_TOKEN: ADMIN_TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', ...(home.port === undefined ? {} : { PORT: String(home.port) }) }
    : { FEDSWARM_ORIGINS: originUrl ?? '' }
  const started = performance.now()
  const start = role === 'origin' ? startOriginProcess : startSeederProcess
  const daemon = await start({ env: { ...env, ...home.env, FEDSWARM_DATA: home.data }, timeoutMs: 120_000 })
  const readyMs = round(performance.now() - started, 0)
  const stop = defer(() => daemon.stop())
  if (role === 'origin') home.port = daemon.port
  await sleep(Math.max(0, options.rssAfterSeconds * 1000 - (performance.now() - started)))
  const memory = await memoryBytes(daemon.pid)
  const idle = await idleCpu(daemon.pid, options.idleSeconds)
  return { daemon, stop, figures: { readyMs, rssBytes: memory.rss, peakBytes: memory.peak, idleCpuPercent: idle.percent, machineBusyPercent: idle.machineBusyPercent } }
}

const line = (f: StartFigures): string => `ready in ${f.readyMs} ms, RSS ${round(f.rssBytes / MiB, 0)} MiB (peak ${round(f.peakBytes / MiB, 0)}), idle CPU ${f.idleCpuPercent} % (machine ${f.machineBusyPercent} % busy)`

/** An empty origin and an empty seeder on it, started twice on the same folders and schemas. */
async function emptyRoles (db: DbChoice, options: FootprintOptions): Promise<Pick<FootprintColumn, 'origin' | 'seeder'>> {
  const originHome = await roleHome('origin', db)
  const seederHome = await roleHome('seeder', db)
  const origin: StartFigures[] = []
  const seeder: StartFigures[] = []
  for (const which of ['first', 'second']) {
    const o = await measureStart('origin', originHome, options)
    log(`footprint ${db}: empty origin, ${which} start: ${line(o.figures)}`)
    const s = await measureStart('seeder', seederHome, options, o.daemon.url)
    log(`footprint ${db}: empty seeder, ${which} start: ${line(s.figures)}`)
    origin.push(o.figures)
    seeder.push(s.figures)
    await s.stop()
    await o.stop()
  }
  return { origin: { first: origin[0]!, second: origin[1]! }, seeder: { first: seeder[0]!, second: seeder[1]! } }
}

/** A seeder holding `items` items (the seeder-scale fill), every copy verified by the origin, settled, then measured. */
async function fullSeeder (db: DbChoice, options: FootprintOptions): Promise<FullSeederFigures> {
  const origin = await startOrigin(db, { FEDSWARM_MAX_ACTIVE_TORRENTS: String(options.originMaxActive) })
  const { seeder, fill } = await fillSeeder(origin, db, { ...options, label: `footprint ${db}` })
  const verifySeconds = await copiesVerified(origin, seeder, options.fillTimeoutSeconds)
  await sleep(options.fillSettleSeconds * 1000)
  const memory = await memoryBytes(seeder.pid)
  const metrics = await seederMetrics(seeder.url)
  const idle = await idleCpu(seeder.pid, options.idleSeconds)
  const figures: FullSeederFigures = {
    published: fill.published,
    held: metric(metrics, 'fedswarm_seeder_items_stored'),
    active: metric(metrics, 'fedswarm_seeder_torrents_active'),
    fillSeconds: fill.heldSeconds,
    verifySeconds,
    rssBytes: memory.rss,
    peakBytes: memory.peak,
    heapUsedBytes: metric(metrics, 'nodejs_heap_size_used_bytes'),
    idleCpuPercent: idle.percent,
    machineBusyPercent: idle.machineBusyPercent
  }
  log(`footprint ${db}: seeder with ${figures.held} items (${figures.active} active): RSS ${round(memory.rss / MiB, 0)} MiB (peak ${round(memory.peak / MiB, 0)}), idle CPU ${idle.percent} %`)
  return figures
}

async function soak (db: DbChoice, options: FootprintOptions): Promise<SoakFigures> {
  const warmupSeconds = Math.min(60, Math.round(options.soakSeconds / 5))
  const r = await runSoak({ ...SOAK_DEFAULTS, seconds: options.soakSeconds, warmupSeconds, db })
  log(`footprint ${db}: origin after ${r.durationSeconds} s of soak: RSS ${r.rss.endMb} MiB (peak ${r.rss.peakMb}), slope ${r.rss.slopeMbPerMinute} MiB/min, ${r.totals.errors} errors`)
  return {
    seconds: r.durationSeconds,
    warmupSeconds,
    startMb: r.rss.startMb,
    endMb: r.rss.endMb,
    peakMb: r.rss.peakMb,
    slopeMbPerMinute: r.rss.slopeMbPerMinute,
    flatMbPerMinute: r.config.flatMbPerMinute,
    flat: r.verdict.flat,
    sent: r.totals.sent,
    errors: r.totals.errors
  }
}

/** A Mastodon-layout key for the front. */
/**
 * A front-mode origin on an S3 store serves the first request for an object
 * of `objectBytes`: it streams the object to the client and hashes it
 * in the background, so its resident set should grow by far less than the
 * object. Sampled every 20 ms until the object has become an item (its
 * strong ETag).
 */
const FRONT_OBJECT_SIZES = [50 * MiB, 200 * MiB]
async function frontFirstRequest (db: DbChoice, objectBytes: number): Promise<FrontFigures> {
  const store = await startMastodonStore('s3')
  const stopStore = defer(() => store.stop())
  const home = await roleHome('origin', db)
  const origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: ADMIN_TOKEN, FEDSWARM_MAX_MEDIA_SIZE: String(objectBytes + MiB), ...store.env, ...home.env, FEDSWARM_DATA: home.data }, timeoutMs: 120_000 })
  const stopOrigin = defer(() => origin.stop())
  try {
    const put = (key: string, bytes: Uint8Array): Promise<void> => store.put(key, bytes, 'image/png')
    const small = mastodonKey()
    await put(small, pngBytes(64 * 1024))
    const large = mastodonKey()
    const bytes = pngBytes(objectBytes)
    const etag = `"${createHash('sha256').update(bytes).digest('base64url')}"`
    await put(large, bytes)
    // The paths a request takes are warm in the baseline.
    await (await fetch(`${origin.url}/${small}`)).arrayBuffer()
    const baseline = (await memoryBytes(origin.pid)).rss
    let peak = baseline
    const started = performance.now()
    const response = await fetch(`${origin.url}/${large}`)
    if (response.status !== 200) throw new Error(`the front answered ${response.status} for the large object`)
    let received = 0
    for await (const chunk of response.body!) {
      received += (chunk as Uint8Array).length
      peak = Math.max(peak, (await memoryBytes(origin.pid)).rss)
    }
    if (received !== objectBytes) throw new Error(`the front sent ${received} of ${objectBytes} bytes`)
    for (;;) {
      peak = Math.max(peak, (await memoryBytes(origin.pid)).rss)
      const head = await fetch(`${origin.url}/${large}`, { method: 'HEAD' })
      if (head.headers.get('etag') === etag) break
      if (performance.now() - started > 120_000) throw new Error('the large object did not become an item within 120 s')
      await sleep(20)
    }
    const figures = { objectBytes: objectBytes, baselineBytes: baseline, peakBytes: peak, seconds: round((performance.now() - started) / 1000, 1) }
    log(`footprint ${db}: front-mode origin, first request for a ${round(objectBytes / MiB, 0)} MiB object: RSS ${round(baseline / MiB, 0)} -> peak ${round(peak / MiB, 0)} MiB`)
    return figures
  } finally {
    await stopOrigin()
    await stopStore()
  }
}

/** Runs `part`, keeping what it measured or why it failed; whatever it started is undone either way. */
async function measurePart<T> (column: FootprintColumn, part: keyof FootprintColumn['errors'], db: DbChoice, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run()
  } catch (err) {
    column.errors[part] = (err as Error).message.split('\n')[0]!
    log(`footprint ${db}: ${part} failed: ${(err as Error).message}`)
    return undefined
  } finally {
    await cleanupAll()
  }
}

export async function runFootprint (options: FootprintOptions): Promise<FootprintResult> {
  log(`footprint: ${options.dbs.join(' and ')}; RSS ${options.rssAfterSeconds} s after start, idle ${options.idleSeconds} s, a seeder with ${options.items} items, a soak of ${options.soakSeconds} s`)
  const result: FootprintResult = { config: options, columns: {}, load: [] }
  const loadAfter = (part: string): void => { result.load.push({ part, loadAverage: loadavg().map((l) => round(l, 2)) }) }
  loadAfter('start')
  try {
    for (const db of options.dbs) {
      const column: FootprintColumn = { errors: {} }
      result.columns[db] = column
      if (db === 'postgres' && !await postgresAvailable()) {
        column.errors.empty = 'PostgreSQL not reachable at 127.0.0.1:5432'
        continue
      }
      Object.assign(column, await measurePart(column, 'empty', db, () => emptyRoles(db, options)))
      loadAfter(`${db}: empty roles`)
      column.fullSeeder = await measurePart(column, 'full', db, () => fullSeeder(db, options))
      loadAfter(`${db}: full seeder`)
      column.soak = await measurePart(column, 'soak', db, () => soak(db, options))
      loadAfter(`${db}: soak`)
      column.front = await measurePart(column, 'front', db, async () => {
        const figures: FrontFigures[] = []
        for (const size of FRONT_OBJECT_SIZES) figures.push(await frontFirstRequest(db, size))
        return figures
      })
      loadAfter(`${db}: front`)
    }
    return result
  } finally {
    await cleanupAll()
  }
}
