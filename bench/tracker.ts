// Scenario 2, the tracker: announces per second that our tracker (allowlist of
// every live item, rate limits on with a budget the benchmark never reaches)
// sustains against bittorrent-tracker's stock Server, same machine, same
// autocannon settings, each tracker in its own process, in two workloads
// (many small swarms: small answers; few large swarms: answers of 50 peers);
// ours with its swarms in memory and in Redis; plus heap per swarm after
// every swarm got its peers.

import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon, { type AutocannonResult } from 'autocannon'
import { Redis } from 'ioredis'
import { deleteRedisKeys } from '@fedswarm/testkit'
import { cleanupAll, cpuSeconds, defer, log, round } from './processes.ts'
import { announcePaths } from './tracker-requests.ts'
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
  /** Rounds per tracker and workload, the trackers alternated within each (ours, redis, stock, ours, redis, stock...); figures are the medians of the rounds. */
  rounds: number
  /** Where the `redis` kind keeps its swarms (keys under a prefix of this run's own, deleted at the end); absent: no `redis` runs. */
  redisUrl?: string
}

export interface TrackerRun {
  kind: TrackerKind
  /** Origin processes sharing the load (one here; room for more on one Redis). */
  processes: number
  round: number
  announcesPerSecond: number
  latencyMs: { p50: number, p99: number }
  requests: number
  non2xx: number
  errors: number
  /** Our tracker only: announces refused by the rate limit (must be 0). */
  rateLimited?: number
  /** CPU used during the load, in cores: the tracker's process and the load generator's (this process). */
  cpu: { tracker: number, generator: number }
  /** The tracker's CPU per announce, microseconds: its cost whatever the load generator manages. */
  cpuMicrosPerAnnounce: number
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
  const child: ChildProcess = fork(SERVER, [kind, ...args], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
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

async function load (port: number, options: { connections: number, duration?: number, amount?: number, next: () => string }): Promise<AutocannonResult> {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: options.connections,
    // autocannon refuses keys present but undefined.
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration }),
    timeout: 10,
    requests: [{ setupRequest: (request) => ({ ...request, path: options.next() }) }]
  })
}

async function runOne (kind: TrackerKind, pass: number, workload: TrackerWorkload, options: TrackerOptions, childArgs: string[]): Promise<{ run: TrackerRun, memory: TrackerMemory }> {
  const child = await startChild(kind, childArgs)
  try {
    const items = workload.items
    const peersPerSwarm = workload.peersPerSwarm
    const paths = announcePaths(items)
    const empty = await memory(child)
    await child.request({ type: 'allow', count: items }, 'allowed')
    const allowlisted = await memory(child)

    // Every peer of every swarm announces once, in order: swarms and peers are then the same for both trackers.
    let k = 0
    const fill = await load(child.port, { connections: options.connections, amount: items * peersPerSwarm, next: () => { const i = k++; return paths.path(i % items, Math.floor(i / items) % peersPerSwarm) } })
    const filled = await memory(child)
    if (fill.non2xx > 0 || fill.errors > 0) throw new Error(`${kind}: filling the swarms got ${fill.non2xx} non-2xx answers and ${fill.errors} errors`)

    const random = (n: number): number => Math.floor(Math.random() * n)
    const cpu0 = { tracker: await cpuSeconds(child.pid), generator: await cpuSeconds(process.pid), at: performance.now() }
    const result = await load(child.port, { connections: options.connections, duration: options.duration, next: () => paths.path(random(items), random(peersPerSwarm)) })
    const seconds = (performance.now() - cpu0.at) / 1000
    const trackerCpu = await cpuSeconds(child.pid) - cpu0.tracker
    const cpu = { tracker: round(trackerCpu / seconds), generator: round((await cpuSeconds(process.pid) - cpu0.generator) / seconds) }
    const after = await memory(child)
    if ((after.failures ?? 0) > 0) throw new Error(`${kind}: ${after.failures} announces were answered with a failure reason`)
    const run: TrackerRun = {
      kind,
      processes: 1,
      round: pass,
      announcesPerSecond: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      rateLimited: after.rateLimited,
      cpu,
      cpuMicrosPerAnnounce: Math.round(trackerCpu / Math.max(1, result.requests.total) * 1e6)
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
    await child.stop()
  }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length / 2
  return Math.round(Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!)
}

async function runWorkload (workload: TrackerWorkload, options: TrackerOptions, kinds: readonly TrackerKind[], childArgs: (kind: TrackerKind) => string[]): Promise<TrackerWorkloadResult> {
  log(`tracker: ${workload.items} live items, ${workload.peersPerSwarm} peers per swarm, ${options.connections} connections, ${options.duration} s x ${options.rounds} rounds of ${kinds.join(', ')}`)
  const runs: TrackerRun[] = []
  const memories: TrackerMemory[] = []
  for (let pass = 1; pass <= options.rounds; pass++) {
    for (const kind of kinds) {
      const { run, memory } = await runOne(kind, pass, workload, options, childArgs(kind))
      runs.push(run)
      if (pass === 1 && kind !== 'redis') memories.push(memory)
      log(`tracker: ${kind} round ${pass}: ${run.announcesPerSecond} announces/s (p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, CPU tracker ${run.cpu.tracker}, generator ${run.cpu.generator}, ${run.cpuMicrosPerAnnounce} µs per announce)`)
    }
  }
  // Medians: on a shared machine one round in several is hit by other work; a median leaves it out where a mean would not.
  const mean = (kind: TrackerKind, pick: (r: TrackerRun) => number): number => median(runs.filter((r) => r.kind === kind).map(pick))
  const stock = mean('stock', (r) => r.announcesPerSecond)
  const means = kinds.map((kind): TrackerKindMean => {
    const announcesPerSecond = mean(kind, (r) => r.announcesPerSecond)
    return {
      kind,
      processes: 1,
      announcesPerSecond,
      latencyMs: { p50: mean(kind, (r) => r.latencyMs.p50), p99: mean(kind, (r) => r.latencyMs.p99) },
      cpuMicrosPerAnnounce: mean(kind, (r) => r.cpuMicrosPerAnnounce),
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
  const prefix = `fedswarm-bench-${process.pid}-${Date.now()}:`
  const kinds: TrackerKind[] = options.redisUrl === undefined ? ['ours', 'stock'] : ['ours', 'redis', 'stock']
  try {
    const workloads: TrackerWorkloadResult[] = []
    for (const [i, workload] of options.workloads.entries()) {
      // A prefix per workload: the second starts on an empty store.
      workloads.push(await runWorkload(workload, options, kinds, (kind) => kind === 'redis' ? [options.redisUrl!, `${prefix}${i}:`] : []))
    }
    return { config: options, workloads }
  } finally {
    // What the `redis` runs left (it would expire on its own too, in six minutes).
    if (options.redisUrl !== undefined) {
      const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 })
      await redis.connect().then(() => deleteRedisKeys(redis, prefix)).finally(() => redis.disconnect())
    }
    await cleanupAll()
  }
}
