// Scenario 2, the tracker: announces per second that our tracker (allowlist of
// every live item, rate limits on with a budget the benchmark never reaches)
// sustains against bittorrent-tracker's stock Server, same machine, same
// load (the swarms filled by autocannon, then a timed load by wrk), each
// tracker in its own process, in two workloads
// (many small swarms: small answers; few large swarms: answers of 50 peers);
// ours with its swarms in memory, and in Redis behind one origin process and
// behind two (the load split between them); plus heap per swarm after every
// swarm got its peers.

import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { deleteRedisKeys } from '@fedswarm/testkit'
import { benchTempDir, cleanupAll, cpuSeconds, defer, log, profileDirectory, redisCpuSeconds, round } from './processes.ts'
import { ensureWrk, fillTogether, loadTogether, writePathFile } from './tracker-load.ts'
import { announcePaths, fillShares, splitConnections } from './tracker-requests.ts'
import type { FromChild, ToChild, TrackerKind } from './tracker-server.ts'

export interface TrackerWorkload {
  /** Live items (allowlist entries and swarms). */
  items: number
  /** Peers announced into every swarm before measuring memory; the load then re-announces them. */
  peersPerSwarm: number
}

export interface TrackerOptions {
  workloads: TrackerWorkload[]
  /** Seconds of load per round. */
  duration: number
  connections: number
  /** Rounds per tracker and workload, the trackers alternated within each (ours, redis, redis x 2, stock, ours...); figures are the medians of the rounds. */
  rounds: number
  /** Where the `redis` kind keeps its swarms (keys under a prefix of each run's own, deleted after it); absent: no `redis` runs. */
  redisUrl?: string
}

/** Origin processes the `redis` kind runs behind, one setup each: one, and two on the same swarms. */
const REDIS_PROCESSES = [1, 2]

/** A tracker as the rounds run it: its kind, and how many processes share the load (several only on Redis, one store for all). */
export interface TrackerSetup {
  kind: TrackerKind
  processes: number
}

export interface TrackerRun {
  kind: TrackerKind
  /** Tracker processes sharing the load, each with its own load generator (autocannon for the fill, wrk for the timed load) and an equal share of the connections. */
  processes: number
  round: number
  /** Summed over the processes. */
  announcesPerSecond: number
  /** Over every announce, of all processes (the wrk runs' percentiles merged, weighted by their announces). */
  latencyMs: { p50: number, p99: number }
  requests: number
  non2xx: number
  errors: number
  /** Our tracker only: announces refused by the rate limit (must be 0). */
  rateLimited?: number
  /** CPU used during the load, in cores: the tracker's processes together, the load generator's (the wrk processes', user + system), and on Redis the redis-server's (all its clients', other users' too). */
  cpu: { tracker: number, generator: number, redis?: number }
  /** Several processes only: each one's announces/s and CPU (cores), in order. */
  perProcess?: Array<{ announcesPerSecond: number, cpu: number }>
  /** The tracker's CPU per announce (all its processes), microseconds: its cost whatever the load generator manages. */
  cpuMicrosPerAnnounce: number
  /** On Redis: the redis-server's CPU per announce, microseconds. */
  redisCpuMicrosPerAnnounce?: number
}

export interface TrackerMemory {
  kind: TrackerKind
  swarms: number
  peers: number
  /** Heap after GC, bytes: empty, after the allowlist was filled, after every swarm got its peers. */
  heap: { empty: number, allowlisted: number, filled: number }
  /** (filled - allowlisted) / swarms. */
  bytesPerSwarm: number
  /** (filled - empty) / items: allowlist entry and swarm together. */
  bytesPerLiveItem: number
  bytesPerPeer: number
  rss: number
}

/** The medians of one tracker's rounds. */
export interface TrackerKindMean {
  kind: TrackerKind
  processes: number
  announcesPerSecond: number
  latencyMs: { p50: number, p99: number }
  cpuMicrosPerAnnounce: number
  /** On Redis: the redis-server's CPU per announce, microseconds. */
  redisCpuMicrosPerAnnounce?: number
  /** announces/s / the stock server's. */
  ratio: number
}

export interface TrackerWorkloadResult {
  workload: TrackerWorkload
  runs: TrackerRun[]
  memory: TrackerMemory[]
  means: TrackerKindMean[]
  announcesPerSecond: { ours: number, stock: number }
  /** ours (memory) / stock. */
  ratio: number
  cpuMicrosPerAnnounce: { ours: number, stock: number }
  /** stock / ours CPU per announce: the throughput ratio a CPU-bound tracker would reach. */
  cpuRatio: number
}

export interface TrackerResult {
  config: TrackerOptions
  workloads: TrackerWorkloadResult[]
}

const SERVER = fileURLToPath(new URL('./tracker-server.ts', import.meta.url))

interface Child {
  request (message: ToChild, expect: FromChild['type']): Promise<FromChild>
  port: number
  pid: number
  stop (): Promise<void>
}

async function startChild (kind: TrackerKind, args: string[]): Promise<Child> {
  const profileDir = profileDirectory()
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
  const child: ChildProcess = fork(SERVER, [kind, ...args], { execArgv: ['--expose-gc', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const kill = defer(async () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const next = (type: FromChild['type'], timeoutMs = 60_000): Promise<FromChild> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`tracker child (${kind}) sent no ${type} in ${timeoutMs} ms`)) }, timeoutMs)
    const onMessage = (message: FromChild): void => { if (message.type === type) { cleanup(); resolve(message) } }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`tracker child (${kind}) exited with ${code}`)) }
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
  const listening = await next('listening')
  if (listening.type !== 'listening') throw new Error('unreachable')
  return {
    port: listening.port,
    pid: child.pid!,
    request (message, expect) {
      const answer = next(expect)
      child.send(message)
      return answer
    },
    async stop () {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        child.send({ type: 'stop' } satisfies ToChild)
        await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 5000))])
      }
      await kill()
    }
  }
}

async function memory (child: Child): Promise<Extract<FromChild, { type: 'memory' }>> {
  const answer = await child.request({ type: 'memory' }, 'memory')
  if (answer.type !== 'memory') throw new Error('unreachable')
  return answer
}

/** `pathFile`: every announce path of the workload (each swarm's every peer), one a line, for the timed load to pick from. */
async function runOne (setup: TrackerSetup, pass: number, workload: TrackerWorkload, options: TrackerOptions, store: RunStore, pathFile: string): Promise<{ run: TrackerRun, memory: TrackerMemory }> {
  const { kind, processes } = setup
  const name = setupName(setup)
  const children: Child[] = []
  try {
    // Several processes are started with the same arguments: on Redis, the same prefix, so the same swarms.
    for (let i = 0; i < processes; i++) children.push(await startChild(kind, store.args))
    const first = children[0]!
    const items = workload.items
    const peersPerSwarm = workload.peersPerSwarm
    const paths = announcePaths(items)
    const connections = splitConnections(options.connections, processes)
    const empty = await memory(first)
    // Each origin process keeps an allowlist of its own.
    for (const child of children) await child.request({ type: 'allow', count: items }, 'allowed')
    const allowlisted = await memory(first)

    // Every peer of every swarm announces once, in order, peer j to process j % processes: swarms and peers are then the same for every tracker.
    const fill = await fillTogether(fillShares(items, peersPerSwarm, processes).flatMap((share, i) => share.amount === 0
      ? []
      : [{ port: children[i]!.port, connections: connections[i]!, amount: share.amount, next: () => { const { swarm, peer } = share.next(); return paths.path(swarm, peer) } }]))
    // On Redis the first process counts the swarms of every process.
    const filled = await memory(first)
    if (fill.non2xx > 0 || fill.errors > 0) throw new Error(`${name}: filling the swarms got ${fill.non2xx} non-2xx answers and ${fill.errors} errors`)
    if (filled.swarms !== items || filled.peers !== items * peersPerSwarm) throw new Error(`${name}: after the fill the tracker holds ${filled.swarms} swarms and ${filled.peers} peers, not ${items} and ${items * peersPerSwarm}`)

    // The same load in every setup, shared out: each process gets its part of the connections and a wrk of its own, each announce a random swarm and peer (a random line of the path file).
    const cpuOf = (): Promise<number[]> => Promise.all(children.map((child) => cpuSeconds(child.pid)))
    const cpu0 = { trackers: await cpuOf(), store: await store.cpuSeconds?.(), at: performance.now() }
    const result = await loadTogether(children.map((child, i) => ({ port: child.port, connections: connections[i]!, pathFile })), options.duration)
    const seconds = (performance.now() - cpu0.at) / 1000
    const trackersCpu = (await cpuOf()).map((cpu, i) => cpu - cpu0.trackers[i]!)
    const trackerCpu = trackersCpu.reduce((sum, cpu) => sum + cpu, 0)
    const generatorCpu = result.generatorCpuSeconds
    const storeCpu = cpu0.store === undefined ? undefined : await store.cpuSeconds!() - cpu0.store
    const cpu = { tracker: round(trackerCpu / seconds), generator: round(generatorCpu / seconds), ...(storeCpu === undefined ? {} : { redis: round(storeCpu / seconds) }) }
    const after = await Promise.all(children.map((child) => memory(child)))
    const failures = after.reduce((sum, a) => sum + (a.failures ?? 0), 0)
    if (failures > 0) throw new Error(`${name}: ${failures} announces were answered with a failure reason`)
    const run: TrackerRun = {
      kind,
      processes,
      round: pass,
      announcesPerSecond: result.announcesPerSecond,
      latencyMs: result.latencyMs,
      requests: result.requests,
      non2xx: result.non2xx,
      errors: result.errors,
      rateLimited: kind === 'stock' ? undefined : after.reduce((sum, a) => sum + (a.rateLimited ?? 0), 0),
      cpu,
      ...(processes > 1 ? { perProcess: result.perTarget.map((announcesPerSecond, i) => ({ announcesPerSecond, cpu: round(trackersCpu[i]! / seconds) })) } : {}),
      cpuMicrosPerAnnounce: Math.round(trackerCpu / Math.max(1, result.requests) * 1e6),
      ...(storeCpu === undefined ? {} : { redisCpuMicrosPerAnnounce: Math.round(storeCpu / Math.max(1, result.requests) * 1e6) })
    }
    const heap = { empty: empty.heapUsed, allowlisted: allowlisted.heapUsed, filled: filled.heapUsed }
    return {
      run,
      memory: {
        kind,
        swarms: filled.swarms,
        peers: filled.peers,
        heap,
        bytesPerSwarm: Math.round((heap.filled - heap.allowlisted) / filled.swarms),
        bytesPerLiveItem: Math.round((heap.filled - heap.empty) / items),
        bytesPerPeer: Math.round((heap.filled - heap.allowlisted) / filled.peers),
        rss: filled.rss
      }
    }
  } finally {
    for (const child of children) await child.stop()
  }
}

function setupName (setup: TrackerSetup): string {
  return setup.processes === 1 ? setup.kind : `${setup.kind} x ${setup.processes}`
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length / 2
  return Math.round(Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!)
}

/** Where one run's tracker keeps its swarms: the arguments of its processes, what to clear after the run, and on Redis the server's CPU so far. */
interface RunStore {
  args: string[]
  clear (): Promise<void>
  cpuSeconds? (): Promise<number>
}

async function runWorkload (workload: TrackerWorkload, options: TrackerOptions, setups: readonly TrackerSetup[], storeFor: (setup: TrackerSetup, pass: number) => RunStore, tempDir: string): Promise<TrackerWorkloadResult> {
  // Every peer of every swarm, written once for all the workload's runs.
  const paths = announcePaths(workload.items)
  const pathFile = await writePathFile(join(tempDir, `paths-${workload.items}x${workload.peersPerSwarm}.txt`), (function * () {
    for (let swarm = 0; swarm < workload.items; swarm++) {
      for (let peer = 0; peer < workload.peersPerSwarm; peer++) yield paths.path(swarm, peer)
    }
  })())
  log(`tracker: ${workload.items} live items, ${workload.peersPerSwarm} peers per swarm, ${options.connections} connections, ${options.duration} s x ${options.rounds} rounds of ${setups.map(setupName).join(', ')}`)
  const runs: TrackerRun[] = []
  const memories: TrackerMemory[] = []
  for (let pass = 1; pass <= options.rounds; pass++) {
    for (const setup of setups) {
      const store = storeFor(setup, pass)
      const { run, memory } = await runOne(setup, pass, workload, options, store, pathFile).finally(() => store.clear())
      runs.push(run)
      // A Redis run's swarms are in Redis, not in its heap.
      if (pass === 1 && setup.kind !== 'redis') memories.push(memory)
      const split = run.perProcess === undefined ? '' : ` (${run.perProcess.map((p) => `${p.announcesPerSecond}/s on ${p.cpu} cores`).join(' + ')})`
      log(`tracker: ${setupName(setup)} round ${pass}: ${run.announcesPerSecond} announces/s${split} (p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, CPU tracker ${run.cpu.tracker}, generator ${run.cpu.generator}${run.cpu.redis === undefined ? '' : `, Redis ${run.cpu.redis}`}, ${run.cpuMicrosPerAnnounce} µs per announce)`)
    }
  }
  // Medians: on a shared machine one round in several is hit by other work; a median leaves it out where a mean would not.
  const mean = (setup: TrackerSetup, pick: (r: TrackerRun) => number): number => median(runs.filter((r) => r.kind === setup.kind && r.processes === setup.processes).map(pick))
  const stock = mean({ kind: 'stock', processes: 1 }, (r) => r.announcesPerSecond)
  const means = setups.map((setup): TrackerKindMean => {
    const announcesPerSecond = mean(setup, (r) => r.announcesPerSecond)
    return {
      kind: setup.kind,
      processes: setup.processes,
      announcesPerSecond,
      latencyMs: { p50: mean(setup, (r) => r.latencyMs.p50), p99: mean(setup, (r) => r.latencyMs.p99) },
      cpuMicrosPerAnnounce: mean(setup, (r) => r.cpuMicrosPerAnnounce),
      ...(setup.kind === 'redis' ? { redisCpuMicrosPerAnnounce: mean(setup, (r) => r.redisCpuMicrosPerAnnounce ?? 0) } : {}),
      ratio: round(announcesPerSecond / stock, 3)
    }
  })
  const ours = means.find((m) => m.kind === 'ours')!
  const stockMean = means.find((m) => m.kind === 'stock')!
  return {
    workload,
    runs,
    memory: memories,
    means,
    announcesPerSecond: { ours: ours.announcesPerSecond, stock },
    ratio: ours.ratio,
    cpuMicrosPerAnnounce: { ours: ours.cpuMicrosPerAnnounce, stock: stockMean.cpuMicrosPerAnnounce },
    cpuRatio: round(stockMean.cpuMicrosPerAnnounce / ours.cpuMicrosPerAnnounce, 3)
  }
}

export async function runTracker (options: TrackerOptions): Promise<TrackerResult> {
  await ensureWrk()
  const prefix = `fedswarm-bench-${process.pid}-${Date.now()}:`
  const redisUrl = options.redisUrl
  const setups: TrackerSetup[] = [
    { kind: 'ours', processes: 1 },
    ...(redisUrl === undefined ? [] : REDIS_PROCESSES.map((processes): TrackerSetup => ({ kind: 'redis', processes }))),
    { kind: 'stock', processes: 1 }
  ]
  const redis = redisUrl === undefined ? undefined : new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 })
  try {
    await redis?.connect()
    const tempDir = await benchTempDir('tracker')
    const workloads: TrackerWorkloadResult[] = []
    for (const [i, workload] of options.workloads.entries()) {
      // A prefix per Redis run, its keys deleted after it: every run starts on an empty store, as every in-memory one does.
      workloads.push(await runWorkload(workload, options, setups, (setup, pass) => {
        if (setup.kind !== 'redis' || redis === undefined) return { args: [], clear: async () => {} }
        const runPrefix = `${prefix}${i}:${pass}:${setup.processes}:`
        return { args: [redisUrl!, runPrefix], clear: () => deleteRedisKeys(redis, runPrefix), cpuSeconds: () => redisCpuSeconds(redis) }
      }, tempDir.path))
    }
    return { config: options, workloads }
  } finally {
    // What a failed run left (it would expire on its own too, in six minutes).
    if (redis !== undefined) await deleteRedisKeys(redis, prefix).catch((err: Error) => console.error(`bench: deleting the tracker's Redis keys failed: ${err.message}`)).finally(() => redis.disconnect())
    await cleanupAll()
  }
}
