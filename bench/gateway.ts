// Scenario 3, the gateway: ranged GETs of a real origin's /media/:id against
// express.static serving the very same blob file, same autocannon settings,
// rounds alternated; nginx too when it is installed.

import { execFile, spawn } from 'node:child_process'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import autocannon from 'autocannon'
import { manifestSchema } from '@fedswarm/protocol'
import { pngBytes } from '@fedswarm/testkit'
import { ADMIN_TOKEN, KiB, MiB, cleanupAll, cpuSeconds, defer, log, profileEnv, round, startOrigin, type DbChoice } from './processes.ts'

export interface GatewayOptions {
  /** Bytes of the file. */
  size: number
  /** Bytes per ranged GET, at a random offset aligned to the length; each length is a separate comparison. */
  rangeLengths: number[]
  duration: number
  connections: number
  rounds: number
  db: DbChoice
}

export type GatewayServerKind = 'origin' | 'express.static'

export interface GatewayRun {
  server: GatewayServerKind
  rangeLength: number
  round: number
  requestsPerSecond: number
  bytesPerSecond: number
  latencyMs: { p50: number, p99: number }
  non2xx: number
  errors: number
  /** Cores used by the server's process during the load. */
  serverCpu: number
  /** Server CPU per request, microseconds: what each GET costs, whatever the load generator manages. */
  cpuMicrosPerRequest: number
  /** Cores the load generator (autocannon, in the bench's own process) used: near 1, it and not the server bounds GETs/s. Absent in results of earlier runs. */
  loadCpu?: number
}

export interface GatewayComparison {
  rangeLength: number
  requestsPerSecond: { origin: number, static: number }
  bytesPerSecond: { origin: number, static: number }
  cpuMicrosPerRequest: { origin: number, static: number }
  /** origin / express.static, requests (and bytes) per second. */
  ratio: number
  /** express.static / origin CPU per request: the throughput ratio a CPU-bound server would reach. */
  cpuRatio: number
}

export interface GatewayResult {
  config: GatewayOptions
  runs: GatewayRun[]
  comparisons: GatewayComparison[]
  /** The lowest ratio over the range lengths. */
  ratio: number
  nginx: string
}

const STATIC_SERVER = fileURLToPath(new URL('./static-server.ts', import.meta.url))

async function startStatic (dir: string): Promise<{ url: string, pid: number }> {
  const child = spawn(process.execPath, [STATIC_SERVER, dir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...profileEnv() } })
  defer(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error('express.static server printed no port in 20 s')), 20_000)
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const match = /listening (\d+)/.exec(out)
      if (match !== null) { clearTimeout(timer); resolve(Number(match[1])) }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`express.static server exited with ${code}`)) })
  })
  return { url: `http://127.0.0.1:${port}`, pid: child.pid! }
}

async function nginxStatus (): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('which', ['nginx'])
    return `found at ${stdout.trim()}, not run: this harness has no nginx configuration yet`
  } catch {
    return 'not installed (`which nginx` found nothing), so not measured'
  }
}

async function load (server: GatewayServerKind, rangeLength: number, pass: number, url: string, pid: number, options: GatewayOptions): Promise<GatewayRun> {
  const slots = Math.floor(options.size / rangeLength)
  const cpu0 = await cpuSeconds(pid)
  const own0 = process.cpuUsage()
  const started = performance.now()
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    timeout: 10,
    requests: [{
      setupRequest (request) {
        const start = Math.floor(Math.random() * slots) * rangeLength
        return { ...request, headers: { ...request.headers, range: `bytes=${start}-${start + rangeLength - 1}` } }
      }
    }]
  })
  const cpuUsed = await cpuSeconds(pid) - cpu0
  const seconds = (performance.now() - started) / 1000
  const own = process.cpuUsage(own0)
  const serverCpu = round(cpuUsed / seconds)
  return {
    server,
    rangeLength,
    round: pass,
    requestsPerSecond: Math.round(result.requests.average),
    bytesPerSecond: Math.round(result.throughput.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    non2xx: result.non2xx,
    errors: result.errors,
    serverCpu,
    cpuMicrosPerRequest: Math.round(cpuUsed / Math.max(1, result.requests.total) * 1e6),
    loadCpu: round((own.user + own.system) / 1e6 / seconds)
  }
}

export async function runGateway (options: GatewayOptions): Promise<GatewayResult> {
  log(`gateway: ${options.size / MiB} MiB file, ranges of ${options.rangeLengths.map((l) => `${l / KiB} KiB`).join(' and ')}, ${options.connections} connections, ${options.duration} s x ${options.rounds} rounds, db ${options.db}`)
  try {
    // Never hot: no seeding, no redirect; the origin serves every byte itself, with no upload cap.
    const origin = await startOrigin(options.db, { FEDSWARM_HOT_THRESHOLD: '1000000000' })
    const response = await fetch(`${origin.url}/api/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'image/png' },
      body: new Uint8Array(pngBytes(options.size))
    })
    if (response.status !== 201) throw new Error(`publish answered ${response.status}`)
    const manifest = manifestSchema.parse(await response.json())
    // The blob store's folder layout (docs/storage.md): DATA/blobs/fedswarm/<id>.
    const blobDir = join(origin.dataDir, 'blobs', 'fedswarm')
    await access(join(blobDir, manifest.id))
    const plain = await startStatic(blobDir)
    const check = await fetch(`${plain.url}/${manifest.id}`, { headers: { range: 'bytes=0-99' } })
    if (check.status !== 206) throw new Error(`express.static answered ${check.status} to a range`)
    await check.arrayBuffer()

    const runs: GatewayRun[] = []
    const comparisons: GatewayComparison[] = []
    for (const rangeLength of options.rangeLengths) {
      for (let pass = 1; pass <= options.rounds; pass++) {
        const servers = [['origin', manifest.url, origin.pid], ['express.static', `${plain.url}/${manifest.id}`, plain.pid]] as const
        // Each goes first in every other round: a drift of the machine's load then weighs on both alike.
        for (const [server, url, pid] of pass % 2 === 1 ? servers : [...servers].reverse()) {
          const run = await load(server, rangeLength, pass, url, pid, options)
          if (run.non2xx > 0 || run.errors > 0) throw new Error(`${server}: ${run.non2xx} non-2xx answers, ${run.errors} errors`)
          runs.push(run)
          log(`gateway: ${server}, ${rangeLength / KiB} KiB ranges, round ${pass}: ${run.requestsPerSecond} GETs/s, ${round(run.bytesPerSecond / MiB, 1)} MiB/s (p99 ${run.latencyMs.p99} ms, server CPU ${run.serverCpu} cores, ${run.cpuMicrosPerRequest} µs per GET, load generator ${run.loadCpu} cores)`)
        }
      }
      const mine = runs.filter((r) => r.rangeLength === rangeLength)
      const mean = (server: GatewayServerKind, pick: (r: GatewayRun) => number): number => Math.round(mine.filter((r) => r.server === server).reduce((sum, r) => sum + pick(r), 0) / options.rounds)
      const requestsPerSecond = { origin: mean('origin', (r) => r.requestsPerSecond), static: mean('express.static', (r) => r.requestsPerSecond) }
      const bytesPerSecond = { origin: mean('origin', (r) => r.bytesPerSecond), static: mean('express.static', (r) => r.bytesPerSecond) }
      const cpuMicrosPerRequest = { origin: mean('origin', (r) => r.cpuMicrosPerRequest), static: mean('express.static', (r) => r.cpuMicrosPerRequest) }
      comparisons.push({
        rangeLength,
        requestsPerSecond,
        bytesPerSecond,
        cpuMicrosPerRequest,
        ratio: round(requestsPerSecond.origin / requestsPerSecond.static, 3),
        cpuRatio: round(cpuMicrosPerRequest.static / cpuMicrosPerRequest.origin, 3)
      })
    }
    return { config: options, runs, comparisons, ratio: Math.min(...comparisons.map((c) => c.ratio)), nginx: await nginxStatus() }
  } finally {
    await cleanupAll()
  }
}
