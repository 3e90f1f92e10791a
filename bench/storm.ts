// Scenario 1, the celebrity post storm: one origin with upload cap U_s, N
// seeders with cap U each, one item of F bytes published hot; a variant with
// M plain HTTP fetchers added (warm: the seeders earned trust in the first
// phase); its cold twin (fresh seeders registered seconds before the
// publish, every plain fetcher arriving at it); and the baseline, the same K
// fetchers over plain HTTP from an origin with the same cap, in the same run.

import { parseOriginConfig } from '@fedswarm/gateway'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { pngBytes } from '@fedswarm/testkit'
import {
  ADMIN_TOKEN, KiB, MiB, alive, bodySha256Base64url, cleanupAll, log, outputTail, metric, originEgress, originMetrics, poll, postgresAvailable, quantile, round,
  seederMetrics, sha256Base64url, sleep, startMany, startOrigin, startSeeder, type DaemonProcess, type DbChoice, type OriginProcess
} from './processes.ts'

export interface StormOptions {
  /** N: seeders. */
  seeders: number
  /** M: plain HTTP fetchers in the variant (0: no variant). */
  plainFetchers: number
  /** F: bytes of the item. */
  size: number
  /** U_s: the origin's upload cap, bytes/s. */
  originCap: number
  /** U: each seeder's upload cap, bytes/s. */
  seederCap: number
  /** Metadata store of every process. */
  db: DbChoice
  /** Measure the plain-HTTP baselines too. */
  baseline: boolean
  /** The seeders' FEDSWARM_WEBSEED_AFTER. */
  webSeedAfter: string
  /**
   * Plain fetchers arrive evenly spread over this many seconds from the
   * publish (0: all at once), as servers receiving the post over federation
   * do; each one's time is counted from its own arrival.
   */
  plainArrivalSeconds: number
  /** Of the N seeders, this many run FEDSWARM_TRANSPORT=http (no BitTorrent: pieces from the web seed and verified mirrors). */
  httpSeeders?: number
}

export interface Completion {
  /** Seconds from the publish request to verified bytes, per fetcher that finished. */
  times: number[]
  p50: number
  max: number
  done: number
  of: number
}

export interface RateCheck {
  /** Mean bytes/s while the origin was sending (sampled every 0.5 s). */
  mean: number
  /** How long it was sending, seconds (sample resolution). */
  activeSeconds: number
  /** Highest bytes/s seen over one sampling window. */
  peak: number
  windowSeconds: number
  cap: number
}

export interface PhaseResult {
  name: string
  fetchers: { seeders: number, plain: number }
  egressBytes: { http: number, swarm: number, total: number }
  egressOverF: number
  /** Swarm phases: what the seeders received, by source (mirror: HTTP-only seeders' pieces from other seeders' mirrors). */
  seedersIn?: { peers: number, webseed: number, mirror: number }
  /** Variant: bytes of origin egress that went to the plain fetchers (HTTP minus the seeders' web-seed bytes). */
  plainShareOfEgress?: number
  /** Plain fetchers the origin redirected (to a mirror). */
  plainRedirected?: number
  seederCompletion?: Completion
  plainCompletion?: Completion
  all: Completion
  /** Kumar & Ross fluid lower bound, seconds. */
  tMin: number
  /** Completion max / T_min. */
  maxOverTMin: number
  originRate: RateCheck
  /** Highest mean upload rate of one seeder that uploaded for at least 2 s, and the highest one-window peak of any. */
  seederRate?: { meanMax: number, peakMax: number, cap: number }
  /** The origin tracker's counters over the phase (GET /stats): announces let through and refused for the rate limit, peers at the end. */
  tracker: { announces: number, rateLimited: number, peers: number }
  verified: boolean
  errors: string[]
}

export interface StormResult {
  config: StormOptions & { downloadCap: 'unlimited' }
  swarm: PhaseResult
  /** The variant on an origin with redirects on (FEDSWARM_REDIRECT=hot, the default). */
  variant?: PhaseResult
  /** The same variant, same seeders, on an origin with FEDSWARM_REDIRECT=off. */
  variantNoRedirect?: PhaseResult
  /**
   * The variant cold: a fresh origin and N fresh seeders (new data folders:
   * no item, no trust earned), the last registered `leadSeconds` before the
   * publish, all M plain fetchers arriving at the publish.
   */
  cold?: PhaseResult & { leadSeconds: number, registeringSeconds: number, canaryBytes: number, redirectWait: string }
  baseline?: PhaseResult
  baselineVariant?: PhaseResult
  /** Baseline max completion / swarm max completion. */
  speedup?: number
  speedupVariant?: number
  setupSeconds: { origin: number, seeders: number }
}

/** The origin's counters are read every ORIGIN_SAMPLE_MS, the seeders' every SEEDER_SAMPLE_MS (twenty of them: spare the CPU); peaks are over WINDOW_MS. */
const ORIGIN_SAMPLE_MS = 500
const SEEDER_SAMPLE_MS = 1000
const WINDOW_MS = 2000
const POLL_MS = 1000
const FINAL_POLL_MS = 50
/** Cold storm: the publish comes this long after the last seeder registered. */
const COLD_LEAD_MS = 3000
/**
 * Cold storm: how long a GET at the publish may wait for a seeder to report its fetch (FEDSWARM_REDIRECT_WAIT).
 * Every fetcher arrives at once, before any fresh seeder has reported. The cold origin runs with the product's
 * default unless FEDSWARM_BENCH_COLD_REDIRECT_WAIT says otherwise (to measure the knob's effect).
 */
const COLD_REDIRECT_WAIT = process.env.FEDSWARM_BENCH_COLD_REDIRECT_WAIT

export function completion (times: number[], of: number): Completion {
  return { times: times.map((t) => round(t, 2)), p50: round(quantile(times, 0.5), 2), max: round(times.length === of ? Math.max(...times) : Infinity, 2), done: times.length, of }
}

/** T_min = max(F/U_s, F/D, K·F/(U_s + ΣU)), D = ∞ here. */
export function fluidLowerBound (k: number, size: number, originCap: number, uploaders: number, uploaderCap: number): number {
  return Math.max(size / originCap, (k * size) / (originCap + uploaders * uploaderCap))
}

export async function publish (originUrl: string, bytes: Buffer, hot: boolean): Promise<Manifest> {
  const response = await fetch(`${originUrl}/api/media${hot ? '?hot=1' : ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'image/png' },
    body: new Uint8Array(bytes),
    signal: AbortSignal.timeout(60_000)
  })
  if (response.status !== 201) throw new Error(`publish answered ${response.status}: ${await response.text()}`)
  return manifestSchema.parse(await response.json())
}

/** One plain fetcher: GET the media URL (following redirects, as an unmodified server would) and check the bytes; `seconds` from `started`. */
async function plainFetch (manifest: Manifest, started: number, timeoutMs: number): Promise<{ seconds: number, redirected: boolean }> {
  const response = await fetch(manifest.url, { redirect: 'follow', signal: AbortSignal.timeout(Math.round(timeoutMs)) })
  if (response.status !== 200) throw new Error(`GET ${manifest.url} answered ${response.status}`)
  const bytes = new Uint8Array(await response.arrayBuffer())
  if (sha256Base64url(bytes) !== manifest.sha256) throw new Error(`GET ${manifest.url}: sha256 mismatch`)
  return { seconds: (performance.now() - started) / 1000, redirected: response.redirected }
}

/**
 * Samples a byte counter every `everyMs` until stopped. `active` is the mean
 * rate while it moved (from the last sample before it first grew to the
 * sample where it last grew); `peak` the highest rate over one sliding window.
 */
export function rateSampler (read: () => Promise<number>, everyMs: number): { stop: () => Promise<{ active: number, activeSeconds: number, peak: number }> } {
  let stopped = false
  const samples: Array<{ at: number, value: number }> = []
  const loop = (async () => {
    while (!stopped) {
      const value = await read().catch(() => NaN)
      if (Number.isFinite(value)) samples.push({ at: performance.now(), value })
      await sleep(everyMs)
    }
  })()
  const windowSamples = Math.round(WINDOW_MS / everyMs)
  return {
    async stop () {
      stopped = true
      await loop
      let peak = 0
      for (let i = windowSamples; i < samples.length; i++) {
        const first = samples[i - windowSamples]!
        const last = samples[i]!
        peak = Math.max(peak, (last.value - first.value) / ((last.at - first.at) / 1000))
      }
      const firstGrowth = samples.findIndex((s, i) => i > 0 && s.value > samples[i - 1]!.value)
      let lastGrowth = -1
      for (let i = samples.length - 1; i > 0; i--) if (samples[i]!.value > samples[i - 1]!.value) { lastGrowth = i; break }
      const from = samples[firstGrowth - 1]
      const to = samples[lastGrowth]
      if (firstGrowth < 1 || from === undefined || to === undefined) return { active: 0, activeSeconds: 0, peak }
      const activeSeconds = (to.at - from.at) / 1000
      return { active: (to.value - from.value) / activeSeconds, activeSeconds, peak }
    }
  }
}

interface TrackerCounters { announces: number, rateLimited: number, peers: number }

async function trackerCounters (origin: OriginProcess): Promise<TrackerCounters> {
  const response = await fetch(`${origin.url}/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(10_000) })
  const body = await response.json() as { announces: number, peers: number, refused: { rateLimited: number } }
  return { announces: body.announces, rateLimited: body.refused.rateLimited, peers: body.peers }
}

interface SeederCounters { peersIn: number, webseedIn: number, mirrorIn: number, out: number }

async function seederCounters (seeder: DaemonProcess): Promise<SeederCounters> {
  const text = await seederMetrics(seeder.url)
  return {
    peersIn: metric(text, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'peers' }),
    webseedIn: metric(text, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'webseed' }),
    mirrorIn: metric(text, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'mirror' }),
    out: metric(text, 'fedswarm_seeder_bytes_total', { direction: 'out' })
  }
}

/** Waits until every seeder has registered with the origin and is following it (stream or polling). */
export async function seedersReady (origin: OriginProcess, seeders: DaemonProcess[]): Promise<void> {
  const urls = new Set(seeders.map((s) => s.url))
  await poll('every seeder registered', 120_000, 500, async () => {
    const response = await fetch(`${origin.url}/api/instances`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const body = await response.json() as { instances: Array<{ publicUrl: string, status: string }> }
    return body.instances.filter((i) => urls.has(i.publicUrl) && i.status === 'active').length === urls.size ? true : undefined
  })
  // Every seeder follows the event stream (the bench raises FEDSWARM_EVENT_STREAMS_PER_ADDRESS: all are 127.0.0.1).
  const streams = seeders.length
  await poll('the seeders\' event streams', 60_000, 250, async () => metric(await originMetrics(origin.url), 'fedswarm_event_streams') >= streams ? true : undefined)
}

/** What a seeder logs (at level info) once it holds an item complete and verified, and serves it. */
const COMPLETE_LOG = 'item complete and verified'

/** The seeders' log level for seederCompletions, whose asking their log paces. */
export const COMPLETE_LOG_LEVEL = { FEDSWARM_LOG_LEVEL: 'info' }

/** Resolves once `seeder` logs that it holds `infoHash` complete (its log at COMPLETE_LOG_LEVEL); `stop` ends the watch. */
function loggedComplete (seeder: DaemonProcess, infoHash: string): { said: Promise<void>, stop: () => void } {
  let partial = ''
  let resolve!: () => void
  const said = new Promise<void>((done) => { resolve = done })
  const stop = seeder.onStdout((chunk) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()!
    if (lines.some((line) => line.includes(infoHash) && line.includes(COMPLETE_LOG))) resolve()
  })
  return { said, stop }
}

/**
 * Asks every seeder's mirror (`HEAD /media/<infoHash>`) until each answers
 * 200 or `deadline` passes; `onDone` gets each one's seconds from `started`,
 * taken at that 200. A seeder is asked as soon as its log says the item is
 * complete, and every POLL_MS in case the line never comes (every
 * FINAL_POLL_MS once it came). Asked every 250 ms instead, twenty seeders
 * answering HEADs, and the harness asking, took CPU from the cores the timed
 * seeders share. A seeder that exits, or is not done by the deadline, is
 * added to `errors`.
 */
export async function seederCompletions (seeders: DaemonProcess[], infoHash: string, started: number, deadline: number, errors: string[], onDone: (seconds: number) => void): Promise<void> {
  let late = 0
  await Promise.all(seeders.map(async (seeder) => {
    const logged = loggedComplete(seeder, infoHash)
    let said = false
    void logged.said.then(() => { said = true })
    try {
      while (performance.now() < deadline) {
        if (!alive(seeder.pid)) {
          errors.push(`seeder ${seeder.url} exited during the storm; its last output:\n${outputTail(seeder)}`)
          return
        }
        const response = await fetch(`${seeder.url}/media/${infoHash}`, { method: 'HEAD', signal: AbortSignal.timeout(5000) }).catch(() => undefined)
        if (response?.status === 200) {
          onDone((performance.now() - started) / 1000)
          return
        }
        await (said ? sleep(FINAL_POLL_MS) : Promise.race([sleep(POLL_MS), logged.said]))
      }
      late++
    } finally {
      logged.stop()
    }
  }))
  if (late > 0) errors.push(`${late} seeders did not finish within ${round((deadline - started) / 1000, 0)} s`)
}

/**
 * Whether every seeder serves the item whole (GET its mirror, sha256 against
 * the manifest); what is wrong goes to `errors`. Each copy is hashed as it
 * arrives, so that the harness, which shares the cores with the seeders of
 * the next phase, never holds twenty copies at once.
 */
export async function seederCopiesVerified (seeders: DaemonProcess[], manifest: Manifest, timeoutMs: number, errors: string[]): Promise<boolean> {
  const results = await Promise.all(seeders.map(async (seeder) => {
    try {
      const response = await fetch(`${seeder.url}/media/${manifest.infoHash}`, { signal: AbortSignal.timeout(timeoutMs) })
      if (response.status !== 200) throw new Error(`status ${response.status}`)
      if (await bodySha256Base64url(response) !== manifest.sha256) throw new Error('sha256 mismatch')
      return true
    } catch (err) {
      errors.push(`seeder ${seeder.url}: ${(err as Error).message}`)
      return false
    }
  }))
  return results.every(Boolean)
}

interface PhaseInput {
  name: string
  origin: OriginProcess
  seeders: DaemonProcess[]
  plain: number
  options: StormOptions
  hot: boolean
  tMin: number
  timeoutMs: number
  /** Plain fetchers arriving with the publish (the baseline's stand-ins for seeders); the rest arrive spread. */
  plainAtOnce: number
}

async function runPhase (input: PhaseInput): Promise<PhaseResult> {
  const { name, origin, seeders, plain, options } = input
  const errors: string[] = []
  const bytes = pngBytes(options.size)
  const egress0 = originEgress(await originMetrics(origin.url))
  const seeders0 = await Promise.all(seeders.map(seederCounters))
  const tracker0 = await trackerCounters(origin)
  const originSampler = rateSampler(async () => originEgress(await originMetrics(origin.url)).total, ORIGIN_SAMPLE_MS)
  const seederSamplers = seeders.map((s) => rateSampler(async () => (await seederCounters(s)).out, SEEDER_SAMPLE_MS))

  const started = performance.now()
  const manifest = await publish(origin.url, bytes, input.hot)
  const deadline = started + input.timeoutMs
  const seederTimes: number[] = []
  const plainTimes: number[] = []
  let redirected = 0
  const total = seeders.length + plain
  const progress = (): void => {
    log(`storm/${name}: ${seederTimes.length}/${seeders.length} seeders, ${plainTimes.length}/${plain} plain fetchers done (${round((performance.now() - started) / 1000, 1)} s)`)
  }

  const plainRuns = Array.from({ length: plain }, async (_, i) => {
    try {
      // The workload's arrival schedule (not a synchronisation): fetcher i arrives at i/M of the spread.
      const arrival = i < input.plainAtOnce ? 0 : (i - input.plainAtOnce) * options.plainArrivalSeconds * 1000 / Math.max(1, plain - input.plainAtOnce)
      if (arrival > 0) await sleep(arrival)
      const fetched = await plainFetch(manifest, performance.now(), Math.max(1000, deadline - performance.now()))
      plainTimes.push(fetched.seconds)
      if (fetched.redirected) redirected++
      progress()
    } catch (err) {
      errors.push(`plain fetcher: ${(err as Error).message}`)
    }
  })
  const seederRun = seederCompletions(seeders, manifest.infoHash, started, deadline, errors, (seconds) => {
    seederTimes.push(seconds)
    progress()
  })
  await Promise.all([...plainRuns, seederRun])
  const originRate = await originSampler.stop()
  const seederRates = await Promise.all(seederSamplers.map((s) => s.stop()))

  const egress1 = originEgress(await originMetrics(origin.url))
  const egressBytes = { http: egress1.http - egress0.http, swarm: egress1.swarm - egress0.swarm, total: egress1.total - egress0.total }
  const seeders1 = await Promise.all(seeders.map(seederCounters))
  const tracker1 = await trackerCounters(origin)
  const seedersIn = { peers: 0, webseed: 0, mirror: 0 }
  seeders1.forEach((c, i) => {
    seedersIn.peers += c.peersIn - seeders0[i]!.peersIn
    seedersIn.webseed += c.webseedIn - seeders0[i]!.webseedIn
    seedersIn.mirror += c.mirrorIn - seeders0[i]!.mirrorIn
  })

  // Verified after the clock stopped: the mirror's HTTP bytes go through each seeder's upload cap.
  const verified = plainTimes.length === plain && await seederCopiesVerified(seeders, manifest, Math.max(30_000, 4000 * options.size / options.seederCap), errors)

  const allTimes = [...seederTimes, ...plainTimes]
  const all = completion(allTimes, total)
  const result: PhaseResult = {
    name,
    fetchers: { seeders: seeders.length, plain },
    egressBytes,
    egressOverF: egressBytes.total / options.size,
    all,
    tMin: input.tMin,
    // Not rounded, here and in egressOverF: a verdict against a limit must see 2.004 as above 2 (the report rounds what it shows).
    maxOverTMin: all.max / input.tMin,
    originRate: { mean: Math.round(originRate.active), activeSeconds: round(originRate.activeSeconds, 1), peak: Math.round(originRate.peak), windowSeconds: WINDOW_MS / 1000, cap: options.originCap },
    tracker: { announces: tracker1.announces - tracker0.announces, rateLimited: tracker1.rateLimited - tracker0.rateLimited, peers: tracker1.peers },
    verified,
    errors
  }
  if (seeders.length > 0) {
    result.seedersIn = seedersIn
    result.seederCompletion = completion(seederTimes, seeders.length)
    result.seederRate = { meanMax: Math.round(Math.max(0, ...seederRates.filter((r) => r.activeSeconds >= 2).map((r) => r.active))), peakMax: Math.round(Math.max(...seederRates.map((r) => r.peak))), cap: options.seederCap }
  }
  if (plain > 0) {
    result.plainCompletion = completion(plainTimes, plain)
    result.plainRedirected = redirected
  }
  if (plain > 0 && seeders.length > 0) result.plainShareOfEgress = round(Math.max(0, egressBytes.http - seedersIn.webseed) / egressBytes.total, 3)
  log(`storm/${name}: origin egress ${round(result.egressOverF, 2)} x F, all done p50 ${all.p50} s max ${all.max} s, T_min ${round(result.tMin, 2)} s${errors.length > 0 ? `, ${errors.length} errors` : ''}`)
  return result
}

export async function runStorm (options: StormOptions): Promise<StormResult> {
  const { seeders: n, plainFetchers: m, size, originCap, seederCap } = options
  const httpSeeders = options.httpSeeders ?? 0
  log(`storm: N=${n} seeders${httpSeeders > 0 ? ` (${httpSeeders} HTTP-only)` : ''}, M=${m} plain fetchers, F=${size / MiB} MiB, U_s=${originCap / MiB} MiB/s, U=${seederCap / MiB} MiB/s, db ${options.db}`)
  try {
    const originEnv = { FEDSWARM_UPLOAD_LIMIT: String(originCap) }
    // Every accepted seeder may take redirects: all of them here are the bench's own.
    const redirectingEnv = { ...originEnv, FEDSWARM_REDIRECT_TO: 'any-accepted' }
    const seederEnv = {
      FEDSWARM_UPLOAD_LIMIT: String(seederCap),
      FEDSWARM_WEBSEED_AFTER: options.webSeedAfter,
      // Should a seeder's event stream drop, it polls every second meanwhile.
      FEDSWARM_POLL_INTERVAL: '1s',
      ...COMPLETE_LOG_LEVEL
    }
    let t = performance.now()
    const origin = await startOrigin(options.db, redirectingEnv)
    // The redirect-off twin: the same seeders help both origins, so the variant runs both ways in one run.
    const originNoRedirect = m > 0 ? await startOrigin(options.db, { ...originEnv, FEDSWARM_REDIRECT: 'off' }) : undefined
    const originSeconds = (performance.now() - t) / 1000
    t = performance.now()
    const origins = [origin, ...originNoRedirect === undefined ? [] : [originNoRedirect]]
    // The last `httpSeeders` seeders open no BitTorrent port; their mirrors are on 127.0.0.1.
    const transportEnv = (i: number): Record<string, string | undefined> => i < n - httpSeeders ? {} : { FEDSWARM_TRANSPORT: 'http', FEDSWARM_TORRENT_PORT: undefined, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' }
    const seeders = await startMany(n, 5, (i) => startSeeder(options.db, origins.map((o) => o.url).join(','), { ...seederEnv, ...transportEnv(i) }), (done) => { if (done % 5 === 0 || done === n) log(`storm: ${done}/${n} seeders started`) })
    for (const o of origins) await seedersReady(o, seeders)
    const seedersSeconds = (performance.now() - t) / 1000
    log(`storm: origin up in ${round(originSeconds, 1)} s, ${n} seeders up and registered in ${round(seedersSeconds, 1)} s`)

    // Phase timeouts: four times the plain-HTTP fluid time of the same fetchers, at least a minute.
    const timeout = (k: number): number => Math.max(60_000, 4000 * k * size / originCap + 30_000)
    const swarm = await runPhase({ name: 'swarm', origin, seeders, plain: 0, plainAtOnce: 0, options, hot: true, tMin: fluidLowerBound(n, size, originCap, n, seederCap), timeoutMs: timeout(n) })
    const result: StormResult = { config: { ...options, downloadCap: 'unlimited' }, swarm, setupSeconds: { origin: round(originSeconds, 1), seeders: round(seedersSeconds, 1) } }
    if (m > 0) {
      const variant = (name: string, o: OriginProcess): Promise<PhaseResult> =>
        runPhase({ name, origin: o, seeders, plain: m, plainAtOnce: 0, options, hot: true, tMin: fluidLowerBound(n + m, size, originCap, n, seederCap), timeoutMs: timeout(n + m) + options.plainArrivalSeconds * 1000 })
      result.variant = await variant('swarm+plain', origin)
      if (originNoRedirect !== undefined) result.variantNoRedirect = await variant('swarm+plain, redirects off', originNoRedirect)
    }
    await Promise.all(seeders.map((s) => s.stop()))
    for (const o of origins) await o.stop()

    if (m > 0) {
      // Cold: nothing earned before. A fresh origin, fresh seeders joining seconds before the post, every plain fetcher at the publish.
      const coldOrigin = await startOrigin(options.db, COLD_REDIRECT_WAIT === undefined ? redirectingEnv : { ...redirectingEnv, FEDSWARM_REDIRECT_WAIT: COLD_REDIRECT_WAIT })
      const registering = performance.now()
      const coldSeeders = await startMany(n, 5, () => startSeeder(options.db, coldOrigin.url, seederEnv))
      await seedersReady(coldOrigin, coldSeeders)
      const registeringSeconds = (performance.now() - registering) / 1000
      // The scenario's timing (not a synchronisation): the post goes out a few seconds after the last seeder joined.
      await sleep(COLD_LEAD_MS)
      // Before the publish the origin sent nothing but the seeders' canaries.
      const canaryBytes = originEgress(await originMetrics(coldOrigin.url)).total
      log(`storm/cold: ${n} fresh seeders registered over ${round(registeringSeconds, 1)} s, canaries ${round(canaryBytes / MiB, 2)} MiB; publishing ${COLD_LEAD_MS / 1000} s after the last`)
      const cold = await runPhase({ name: 'cold', origin: coldOrigin, seeders: coldSeeders, plain: m, plainAtOnce: m, options, hot: true, tMin: fluidLowerBound(n + m, size, originCap, n, seederCap), timeoutMs: timeout(n + m) })
      result.cold = { ...cold, leadSeconds: COLD_LEAD_MS / 1000, registeringSeconds: round(registeringSeconds, 1), canaryBytes, redirectWait: COLD_REDIRECT_WAIT ?? `${parseOriginConfig({}).redirects.waitMs / 1000}s (the default)` }
      await Promise.all(coldSeeders.map((s) => s.stop()))
      await coldOrigin.stop()
    }

    if (options.baseline) {
      // What a fediverse server does today: every fetcher GETs the origin, which has the same cap.
      const plainOrigin = await startOrigin(options.db, { ...originEnv, FEDSWARM_HOT_THRESHOLD: '1000000000' })
      const tMin = (k: number): number => fluidLowerBound(k, size, originCap, 0, 0)
      result.baseline = await runPhase({ name: 'baseline', origin: plainOrigin, seeders: [], plain: n, plainAtOnce: n, options, hot: false, tMin: tMin(n), timeoutMs: timeout(n) })
      result.speedup = round(result.baseline.all.max / swarm.all.max, 2)
      if (m > 0 && result.variant !== undefined) {
        result.baselineVariant = await runPhase({ name: 'baseline+plain', origin: plainOrigin, seeders: [], plain: n + m, plainAtOnce: n, options, hot: false, tMin: tMin(n + m), timeoutMs: timeout(n + m) + options.plainArrivalSeconds * 1000 })
        result.speedupVariant = round(result.baselineVariant.all.max / result.variant.all.max, 2)
      }
    }
    return result
  } finally {
    await cleanupAll()
  }
}

/** A tiny storm for `npm test`: checks that the harness runs end to end (no numbers asserted). */
export async function runQuickStorm (options: { seeders?: number, size?: number } = {}): Promise<StormResult> {
  return runStorm({
    seeders: options.seeders ?? 2,
    plainFetchers: 0,
    size: options.size ?? 256 * KiB,
    originCap: 256 * KiB,
    seederCap: 256 * KiB,
    db: await postgresAvailable() ? 'postgres' : 'pglite',
    baseline: true,
    webSeedAfter: '5s',
    plainArrivalSeconds: 0
  })
}
