// The celebrity-post storm on real network paths (issue 18): the origin, every
// seeder and every group of plain fetchers on its own address in its own
// network namespace (bench/netns.ts), each host's upload capped by tc, the
// product's own upload caps off, and the bytes each host sent read from the
// kernel's counters. Per storm: seeders only (their first item after start,
// then the next); plain fetchers at the publish and spread (warm seeders);
// cold seeders registered just before the publish; and the plain-HTTP
// baselines on the same topology. Plain fetchers behave like
// Mastodon's media download (bench/mastodon-fetch.ts). Without root it falls
// back to the loopback storm (bench/storm.ts) and says so.

import { spawn } from 'node:child_process'
import { access, readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { pngBytes } from '@fedswarm/testkit'
import type { Manifest } from '@fedswarm/protocol'
import { createNetwork, netnsUnavailable, removeLeftovers, type NetHost, type Network } from './netns.ts'
import type { PlainFetchResult } from './mastodon-fetch.ts'
import {
  cpuSeconds, defer, log, originEgress, originMetrics, round, sleep, startMany, startOrigin, startSeeder,
  type DaemonProcess, type DbChoice, type OriginProcess
} from './processes.ts'
import { completion, COMPLETE_LOG_LEVEL, fluidLowerBound, publish, rateSampler, runStorm, seederCompletions, seederCopiesVerified, seedersReady, type Completion, type StormResult } from './storm.ts'
import { arrivalsMs, busyShare, cpuJiffies, crossingSeconds, dealOut, groupsFor, ratio, type CounterSample } from './storm-netns-math.ts'

export interface NetnsStormSpec {
  label: string
  /** N: seeders. */
  seeders: number
  /** M: plain fetchers. */
  plainFetchers: number
  /** F, bytes. */
  size: number
  /** U_s and U: the tc caps of the origin's and of every other host's upload, bytes/s. */
  originCap: number
  peerCap: number
  /** Also a phase with the plain fetchers spread over this many seconds (warm seeders). */
  spreadSeconds?: number
  /** Also the cold phase: fresh seeders registered just before the publish, every plain fetcher at it. */
  cold: boolean
}

export interface StormNetnsOptions {
  storms: NetnsStormSpec[]
  /** Plain fetchers sharing one host (namespace, address, process). */
  fetchersPerGroup: number
  db: DbChoice
  webSeedAfter: string
  /**
   * Also give each process its tc cap as FEDSWARM_UPLOAD_LIMIT, so that the
   * product knows its link (off by default: tc is then the only cap, and an
   * uncapped seeder reports no capacity to the origin).
   */
  productCaps?: boolean
}

export interface NetCpu {
  /** CPU seconds (utime + stime) over the phase, per role. */
  origin: number
  seeders: number
  seederMax: number
  fetchers: number
  harness: number
  /** Share of all the machine's cores busy over the phase (other work included). */
  machineBusy: number
}

export interface PlainSummary {
  givenUp: number
  reasons: string[]
  /** Fetchers whose body came from another host than the origin. */
  redirected: number
  maxRedirects: number
  /** Seeders that served redirected fetchers, and the most fetchers one of them served (absent in results written before they were recorded). */
  servingSeeders?: number
  mostOnOneSeeder?: number
  /** The longest wait of any plain fetcher for its next bytes, seconds. */
  longestReadSeconds?: number
}

export interface NetPhase {
  name: string
  arrivals: string
  fetchers: { seeders: number, plain: number }
  tMin: number
  /** Bytes the origin's host sent over the phase (kernel counter, Ethernet frames). */
  originSent: number
  originSentOverF: number
  /** The origin's own counters (HTTP media + BitTorrent uploads) over the same phase, for comparison. */
  productEgressOverF: number
  /** Bytes every seeder host sent, together. */
  seedersSentOverF: number
  originRate: { mean: number, activeSeconds: number, peak: number, cap: number }
  /**
   * Seconds from the publish request until the origin had sent 10 % of F and
   * 98 % of all it sent in the phase; until the seeders together had sent 10 % of
   * F; until the seeders together had received 50 % and 90 % of N·F (from the
   * kernel counters, read every 200 ms): where the time went.
   */
  timeline: { origin10: number | undefined, originDone: number | undefined, seeders10: number | undefined, seedersGot50: number | undefined, seedersGot90: number | undefined }
  seederCompletion?: Completion
  plainCompletion?: Completion
  plain?: PlainSummary
  allMax: number
  slowestSeederOverTMin?: number
  slowestPlainOverTMin?: number
  cpu: NetCpu
  verified: boolean
  errors: string[]
}

export interface NetStormResult {
  spec: NetnsStormSpec
  /** The seeders' first item after they started: Node compiling, webtorrent loading, all at once on the bench's cores. */
  firstItem?: NetPhase
  /** Seeders only, on the next item: warm seeders, as a server that has run for a while has them. */
  swarm?: NetPhase
  atOnce?: NetPhase
  spread?: NetPhase
  cold?: NetPhase & { leadSeconds: number }
  /** Plain HTTP from the origin, K = N at the publish, then K = N + M. */
  baseline?: NetPhase
  baselineAll?: NetPhase
  /** Baseline max / swarm max (K = N), and with the plain fetchers (K = N + M, at once). */
  speedup?: number
  speedupAll?: number
  /** Each phase's slowest fetcher over plain HTTP's slowest with the same K (target ≤ 1.25). */
  vsPlain: Array<{ phase: string, ratio: number }>
  setupSeconds: number
  error?: string
}

/** A storm's swarm phases that ran, in order: seeders only (first item, then warm), with plain fetchers at once, spread, cold. */
export function swarmPhases (s: NetStormResult): NetPhase[] {
  return [s.firstItem, s.swarm, s.atOnce, s.spread, s.cold].filter((p): p is NetPhase => p !== undefined)
}

/** Every phase that ran: the swarm's, then plain HTTP's. */
export function allPhases (s: NetStormResult): NetPhase[] {
  return [...swarmPhases(s), ...[s.baseline, s.baselineAll].filter((p): p is NetPhase => p !== undefined)]
}

/** The plain-HTTP phase a swarm phase is held against: the same K at once (for spread arrivals, the harder at-once one). */
export function baselineOf (s: NetStormResult, p: NetPhase): NetPhase | undefined {
  return p.fetchers.plain === 0 ? s.baseline : s.baselineAll
}

export type StormNetnsResult =
  /** linkStated: the origin was given its tc cap as FEDSWARM_UPLOAD_CAPACITY (absent in results written before it was). */
  | { mode: 'netns', storms: NetStormResult[], fetchersPerGroup: number, db: DbChoice, webSeedAfter: string, productCaps?: boolean, linkStated?: boolean }
  | { mode: 'loopback', reason: string, loopback: StormResult }

const FETCHER_SCRIPT = fileURLToPath(new URL('./netns-fetcher.ts', import.meta.url))
/** PostgreSQL's socket: the namespaces have their own loopback, but the same file system. */
const PG_SOCKET_DIR = '/var/run/postgresql'
const PG_SOCKET_URL = `postgres://postgres@localhost/test?host=${PG_SOCKET_DIR}`
const HTTP_PORT = 8080
const TORRENT_PORT = 6881
const TIMELINE_MS = 200
/** Cold storm: the publish comes this long after the last fresh seeder registered (as bench/storm.ts). */
const COLD_LEAD_MS = 3000

interface FetcherGroup {
  pid: number
  /** The group's results, and the CPU seconds its process used from the order on (it exits right after). */
  fetch (order: { url: string, sha256: string, arrivalsMs: number[], timeoutMs: number }): Promise<{ results: Array<PlainFetchResult & { arrivalMs: number }>, cpuSeconds: number }>
}

/** Starts one plain fetcher group in `host`'s namespace and waits for its `ready`. */
async function startFetcherGroup (net: Network, host: NetHost): Promise<FetcherGroup> {
  const argv = [...net.command(host), process.execPath, FETCHER_SCRIPT]
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
  const stop = defer(async () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const nextLine = async (timeoutMs: number): Promise<string> => {
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`fetcher group on ${host.address} said nothing for ${timeoutMs / 1000} s; stderr: ${stderr.slice(-500)}`)), timeoutMs)
    })
    const line = await Promise.race([lines.next(), timedOut]).finally(() => clearTimeout(timer))
    if (line.done === true) throw new Error(`fetcher group on ${host.address} exited; stderr: ${stderr.slice(-500)}`)
    return line.value
  }
  const ready = await nextLine(30_000)
  if (ready !== 'ready') throw new Error(`fetcher group on ${host.address} said "${ready}"`)
  return {
    pid: child.pid!,
    async fetch (order) {
      child.stdin.write(`${JSON.stringify(order)}\n`)
      const answer = JSON.parse(await nextLine(order.timeoutMs + 10_000)) as { results: Array<PlainFetchResult & { arrivalMs: number }>, cpuSeconds: number }
      await stop()
      return answer
    }
  }
}

interface PhaseInput {
  name: string
  net: Network
  origin: OriginProcess
  seeders: DaemonProcess[]
  plain: number
  spreadSeconds: number
  spec: NetnsStormSpec
  fetchersPerGroup: number
  hot: boolean
  timeoutMs: number
}

function roundOrUndefined (value: number | undefined): number | undefined {
  return value === undefined ? undefined : round(value, 2)
}

interface TimelineSamples { origin: CounterSample[], seeders: CounterSample[], seedersGot: CounterSample[] }

/** Reads what the origin sent, and what the seeders together sent and received, every TIMELINE_MS from now on; bytes since the first reading. */
function sampleTimeline (net: Network, seederHosts: NetHost[], started: number): { stop: () => Promise<TimelineSamples> } {
  const samples: TimelineSamples = { origin: [], seeders: [], seedersGot: [] }
  let sampling = true
  const loop = (async () => {
    const total = (count: (h: NetHost) => number): number => seederHosts.reduce((sum, h) => sum + count(h), 0)
    const read = async (): Promise<[number, number, number]> => {
      const links = await net.counters()
      return [links.sent(net.origin), total(links.sent), total(links.received)]
    }
    const first = await read()
    while (sampling) {
      const at = (performance.now() - started) / 1000
      const now = await read()
      samples.origin.push({ at, bytes: now[0] - first[0] })
      samples.seeders.push({ at, bytes: now[1] - first[1] })
      samples.seedersGot.push({ at, bytes: now[2] - first[2] })
      await sleep(TIMELINE_MS)
    }
  })().catch(() => {
    // The links are gone (the run was stopped, Ctrl-C): the timeline ends where it is, and the removal goes on.
  })
  return {
    async stop () {
      sampling = false
      await loop
      return samples
    }
  }
}

async function cpuOf (pids: number[]): Promise<number[]> {
  return Promise.all(pids.map(async (pid) => cpuSeconds(pid).catch(() => NaN)))
}

async function runPhase (input: PhaseInput): Promise<NetPhase> {
  const { name, net, origin, seeders, plain, spec } = input
  const errors: string[] = []
  const bytes = pngBytes(spec.size)
  const groupArrivals = dealOut(arrivalsMs(plain, input.spreadSeconds), groupsFor(plain, input.fetchersPerGroup))
  const groups = plain === 0 ? [] : await Promise.all(groupArrivals.map(async (_, i) => startFetcherGroup(net, net.fetchers[i]!)))
  const k = seeders.length + plain
  const tMin = fluidLowerBound(k, spec.size, spec.originCap, seeders.length, spec.peerCap)

  const product0 = originEgress(await originMetrics(origin.url)).total
  const pids = { origin: [origin.pid], seeders: seeders.map((s) => s.pid) }
  const cpu0 = { origin: await cpuOf(pids.origin), seeders: await cpuOf(pids.seeders), harness: process.cpuUsage(), machine: cpuJiffies(await readFile('/proc/stat', 'utf8')) }
  const seederHosts = net.seeders.slice(0, seeders.length)
  const links0 = await net.counters()
  const sent0 = { origin: links0.sent(net.origin), seeders: seederHosts.map(links0.sent) }
  const started = performance.now()
  const originSampler = rateSampler(async () => (await net.counters()).sent(net.origin), 500)
  const timelineSampler = sampleTimeline(net, seederHosts, started)
  const manifest: Manifest = await publish(origin.url, bytes, input.hot)
  const deadline = started + input.timeoutMs
  const plainRuns = groups.map(async (group, i) => group.fetch({ url: manifest.url, sha256: manifest.sha256, arrivalsMs: groupArrivals[i]!, timeoutMs: Math.round(Math.max(1000, deadline - performance.now())) }))
  const seederTimes: number[] = []
  const seederRun = seederCompletions(seeders, manifest.infoHash, started, deadline, errors, (seconds) => seederTimes.push(seconds))
  const plainAnswers = await Promise.all(plainRuns.map(async (run) => run.catch((err: Error) => { errors.push(err.message); return { results: [], cpuSeconds: NaN } })))
  await seederRun
  const plainResults = plainAnswers.flatMap((a) => a.results)
  const wall = (performance.now() - started) / 1000
  const originRate = await originSampler.stop()
  const timeline = await timelineSampler.stop()

  // Kernel counters first: what follows (metrics, checking the copies) sends bytes too.
  const links1 = await net.counters()
  const sent1 = { origin: links1.sent(net.origin), seeders: seederHosts.map(links1.sent) }
  const cpu1 = { origin: await cpuOf(pids.origin), seeders: await cpuOf(pids.seeders), harness: process.cpuUsage(cpu0.harness), machine: cpuJiffies(await readFile('/proc/stat', 'utf8')) }
  const product1 = originEgress(await originMetrics(origin.url)).total

  for (const r of plainResults) if (r.error !== undefined) errors.push(`plain fetcher: ${r.error}`)
  const copiesVerified = await seederCopiesVerified(seeders, manifest, Math.max(30_000, 4000 * spec.size / spec.peerCap), errors)
  const verified = plainResults.length === plain && plainResults.every((r) => r.verified) && copiesVerified

  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
  const diffs = (a: number[], b: number[]): number[] => b.map((v, i) => v - a[i]!)
  const seederCpu = diffs(cpu0.seeders, cpu1.seeders)
  const originSent = sent1.origin - sent0.origin
  const plainTimes = plainResults.filter((r) => r.verified).map((r) => r.seconds)
  const originHost = new URL(origin.url).host
  const result: NetPhase = {
    name,
    arrivals: plain === 0 ? '—' : input.spreadSeconds > 0 ? `spread over ${input.spreadSeconds} s` : 'all at the publish',
    fetchers: { seeders: seeders.length, plain },
    tMin,
    originSent,
    originSentOverF: originSent / spec.size,
    productEgressOverF: round((product1 - product0) / spec.size, 3),
    seedersSentOverF: round(sum(diffs(sent0.seeders, sent1.seeders)) / spec.size, 2),
    originRate: { mean: Math.round(originRate.active), activeSeconds: round(originRate.activeSeconds, 1), peak: Math.round(originRate.peak), cap: spec.originCap },
    timeline: {
      origin10: roundOrUndefined(crossingSeconds(timeline.origin, 0.1 * spec.size)),
      originDone: roundOrUndefined(crossingSeconds(timeline.origin, 0.98 * (timeline.origin.at(-1)?.bytes ?? 0))),
      seeders10: seeders.length === 0 ? undefined : roundOrUndefined(crossingSeconds(timeline.seeders, 0.1 * spec.size)),
      seedersGot50: seeders.length === 0 ? undefined : roundOrUndefined(crossingSeconds(timeline.seedersGot, 0.5 * seeders.length * spec.size)),
      seedersGot90: seeders.length === 0 ? undefined : roundOrUndefined(crossingSeconds(timeline.seedersGot, 0.9 * seeders.length * spec.size))
    },
    allMax: round(Math.max(0, ...seederTimes, ...plainTimes), 2),
    cpu: {
      origin: round(sum(diffs(cpu0.origin, cpu1.origin)), 2),
      seeders: round(sum(seederCpu), 2),
      seederMax: round(Math.max(0, ...seederCpu), 2),
      fetchers: round(sum(plainAnswers.map((a) => a.cpuSeconds)), 2),
      harness: round((cpu1.harness.user + cpu1.harness.system) / 1e6, 2),
      machineBusy: busyShare(cpu0.machine, cpu1.machine)
    },
    verified,
    errors
  }
  if (seederTimes.length < seeders.length || plainTimes.length < plain) result.allMax = Infinity
  if (seeders.length > 0) {
    result.seederCompletion = completion(seederTimes, seeders.length)
    result.slowestSeederOverTMin = ratio(result.seederCompletion.max, tMin)
  }
  if (plain > 0) {
    result.plainCompletion = completion(plainTimes, plain)
    result.slowestPlainOverTMin = ratio(result.plainCompletion.max, tMin)
    const givenUp = plainResults.filter((r) => r.givenUp !== undefined)
    const servedBy = new Map<string, number>()
    for (const r of plainResults) if (r.servedBy !== originHost) servedBy.set(r.servedBy, (servedBy.get(r.servedBy) ?? 0) + 1)
    result.plain = {
      givenUp: givenUp.length + (plain - plainResults.length),
      reasons: [...new Set(givenUp.map((r) => r.givenUp!))].slice(0, 5),
      redirected: plainResults.filter((r) => r.servedBy !== originHost).length,
      maxRedirects: Math.max(0, ...plainResults.map((r) => r.redirects)),
      servingSeeders: servedBy.size,
      mostOnOneSeeder: Math.max(0, ...servedBy.values()),
      longestReadSeconds: round(Math.max(0, ...plainResults.map((r) => r.longestReadGapMs)) / 1000, 1)
    }
  }
  log(`storm-netns/${spec.label}/${name}: origin sent ${round(result.originSentOverF, 2)} x F (its own counters: ${round(result.productEgressOverF, 2)} x F), all done in ${round(wall, 1)} s, T_min ${round(result.tMin, 2)} s${result.plain === undefined ? '' : `, ${result.plain.givenUp} of ${plain} plain fetchers would be given up`}${errors.length > 0 ? `, ${errors.length} errors: ${errors[0]}` : ''}`)
  return result
}

function hostEnv (host: NetHost, db: DbChoice): Record<string, string> {
  return {
    FEDSWARM_HOST: host.address,
    PORT: String(HTTP_PORT),
    FEDSWARM_PUBLIC_URL: `http://${host.address}:${HTTP_PORT}`,
    // 198.18.0.0/15 is reserved, not public: the bench's own hosts are allowed explicitly.
    FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true',
    ...db === 'postgres' ? { DATABASE_URL: PG_SOCKET_URL } : {}
  }
}

async function startSwarm (net: Network, spec: NetnsStormSpec, options: StormNetnsOptions, originEnv: Record<string, string>, seeders: number): Promise<{ origin: OriginProcess, seeders: DaemonProcess[] }> {
  const cap = (bytesPerSecond: number): Record<string, string> => options.productCaps === true ? { FEDSWARM_UPLOAD_LIMIT: String(bytesPerSecond) } : {}
  // The origin is told its link, as its admin would state it: it serves plain fetchers itself while that link has room.
  const link = { FEDSWARM_UPLOAD_CAPACITY: String(spec.originCap) }
  const origin = await startOrigin(options.db, { ...hostEnv(net.origin, options.db), ...link, ...cap(spec.originCap), ...originEnv }, 60_000, net.command(net.origin))
  const started = await startMany(seeders, 5, async (i) => {
    const host = net.seeders[i]!
    return startSeeder(options.db, origin.url, {
      ...hostEnv(host, options.db),
      ...cap(spec.peerCap),
      FEDSWARM_TORRENT_PORT: String(TORRENT_PORT),
      FEDSWARM_WEBSEED_AFTER: options.webSeedAfter,
      FEDSWARM_POLL_INTERVAL: '1s',
      ...COMPLETE_LOG_LEVEL
    }, 90_000, net.command(host))
  })
  if (seeders > 0) await seedersReady(origin, started)
  return { origin, seeders: started }
}

async function stopAll (swarm: { origin: OriginProcess, seeders: DaemonProcess[] }): Promise<void> {
  await Promise.all(swarm.seeders.map((s) => s.stop()))
  await swarm.origin.stop()
}

async function runNetStorm (spec: NetnsStormSpec, options: StormNetnsOptions): Promise<NetStormResult> {
  const { seeders: n, plainFetchers: m, size, originCap } = spec
  const result: NetStormResult = { spec, vsPlain: [], setupSeconds: 0 }
  const net = await createNetwork({ seeders: n, fetcherGroups: groupsFor(n + m, options.fetchersPerGroup) })
  try {
    await net.setUploadCap(net.origin, spec.originCap)
    for (const host of [...net.seeders, ...net.fetchers]) await net.setUploadCap(host, spec.peerCap)
    const timeout = (k: number): number => Math.max(60_000, 3000 * k * size / originCap + 30_000)
    const phase = (name: string, swarm: { origin: OriginProcess, seeders: DaemonProcess[] }, plain: number, spreadSeconds: number, hot = true): Promise<NetPhase> =>
      runPhase({ name, net, origin: swarm.origin, seeders: swarm.seeders, plain, spreadSeconds, spec, fetchersPerGroup: options.fetchersPerGroup, hot, timeoutMs: timeout(swarm.seeders.length + plain) + spreadSeconds * 1000 })
    // Every accepted seeder may take redirects (all are the bench's own).
    const redirecting = { FEDSWARM_REDIRECT_TO: 'any-accepted' }

    const t = performance.now()
    const warm = await startSwarm(net, spec, options, redirecting, n)
    result.setupSeconds = round((performance.now() - t) / 1000, 1)
    log(`storm-netns/${spec.label}: origin and ${n} seeders up and following in ${result.setupSeconds} s`)
    result.firstItem = await phase('seeders only, first item after start', warm, 0, 0)
    result.swarm = await phase('seeders only', warm, 0, 0)
    if (m > 0) result.atOnce = await phase('+ plain at the publish', warm, m, 0)
    if (m > 0 && spec.spreadSeconds !== undefined) result.spread = await phase(`+ plain spread over ${spec.spreadSeconds} s`, warm, m, spec.spreadSeconds)
    await stopAll(warm)

    if (m > 0 && spec.cold) {
      const cold = await startSwarm(net, spec, options, redirecting, n)
      // The scenario's timing (not a synchronisation): the post goes out a few seconds after the last seeder joined.
      await sleep(COLD_LEAD_MS)
      result.cold = { ...await phase('cold, + plain at the publish', cold, m, 0), leadSeconds: COLD_LEAD_MS / 1000 }
      await stopAll(cold)
    }

    // Plain HTTP on the same topology: no seeder, every fetcher GETs the origin (never hot, so no swarm).
    const plainOrigin = await startSwarm(net, spec, options, { FEDSWARM_HOT_THRESHOLD: '1000000000' }, 0)
    result.baseline = await phase('plain HTTP, K = N', plainOrigin, n, 0, false)
    if (m > 0) result.baselineAll = await phase('plain HTTP, K = N + M', plainOrigin, n + m, 0, false)
    await stopAll(plainOrigin)

    result.speedup = ratio(result.baseline.allMax, result.swarm.allMax)
    if (result.atOnce !== undefined) result.speedupAll = ratio(result.baselineAll?.allMax, result.atOnce.allMax)
    for (const p of swarmPhases(result)) {
      const r = ratio(p.allMax, baselineOf(result, p)?.allMax)
      if (r !== undefined) result.vsPlain.push({ phase: p.name, ratio: r })
    }
  } catch (err) {
    result.error = (err as Error).message
    log(`storm-netns/${spec.label}: failed: ${result.error}`)
  } finally {
    await net.remove()
  }
  return result
}

export async function runStormNetns (options: StormNetnsOptions): Promise<StormNetnsResult> {
  const reason = await netnsUnavailable()
  if (reason !== undefined) {
    const first = options.storms[0]!
    log(`storm-netns: ${reason}; falling back to the loopback storm (product caps, product counters)`)
    const loopback = await runStorm({ seeders: first.seeders, plainFetchers: first.plainFetchers, size: first.size, originCap: first.originCap, seederCap: first.peerCap, db: options.db, baseline: true, webSeedAfter: options.webSeedAfter, plainArrivalSeconds: first.spreadSeconds ?? 0 })
    return { mode: 'loopback', reason, loopback }
  }
  await removeLeftovers()
  // Through PostgreSQL's socket, so no database traffic crosses (or is counted on) the hosts' links.
  const db: DbChoice = options.db === 'postgres' && await access(`${PG_SOCKET_DIR}/.s.PGSQL.5432`).then(() => true, () => false) ? 'postgres' : 'pglite'
  const storms: NetStormResult[] = []
  for (const spec of options.storms) storms.push(await runNetStorm(spec, { ...options, db }))
  return { mode: 'netns', storms, fetchersPerGroup: options.fetchersPerGroup, db, webSeedAfter: options.webSeedAfter, productCaps: options.productCaps === true, linkStated: true }
}
