// Load against one tracker process or several at once, the load split
// between them, read as one result: announces per second summed over the
// runs, latency over every announce of every run, errors summed.
//
// The fill (a set number of announces, each peer once) is autocannon's, in
// this process. The timed load is wrk's (bench/tracker-load.lua): one wrk
// process of one thread per tracker process, all at once, each announce a
// line picked at random from a file of announce paths; the load generator's
// CPU is then the wrk processes' own, measured apart from this process's.

import autocannon from 'autocannon'
import { execFile, spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { defer, log } from './processes.ts'
import { mergedQuantile, type RunPercentiles } from './tracker-requests.ts'

/** A tracker process to fill: `amount` announces, then stop. */
export interface FillTarget {
  port: number
  connections: number
  amount: number
  /** The path of the next announce. */
  next: () => string
}

/** A tracker process to load for the load's duration. */
export interface LoadTarget {
  port: number
  connections: number
  /** A file of announce paths, one a line (writePathFile): each announce is one of them, picked uniformly at random. */
  pathFile: string
}

export interface LoadResult {
  /** Summed over the runs: each one's completed announces over its duration. */
  announcesPerSecond: number
  /** The same for each target, in order. */
  perTarget: number[]
  /** Over every announce of every run (the runs' latencies merged), not the worse run's. */
  latencyMs: { p50: number, p99: number }
  requests: number
  non2xx: number
  /** Errors, timeouts among them. */
  errors: number
}

export interface TimedLoadResult extends LoadResult {
  /** CPU the wrk processes used, user + system, summed over them: the load generator's. */
  generatorCpuSeconds: number
}

/** Runs one autocannon per target at the same time, in this process, each for its `amount` of announces, and merges their results. */
export async function fillTogether (targets: FillTarget[]): Promise<LoadResult> {
  if (targets.length === 0) throw new Error('no tracker to fill')
  const raws = await Promise.all(targets.map((target) => autocannon({
    url: `http://127.0.0.1:${target.port}`,
    connections: target.connections,
    amount: target.amount,
    timeout: 10,
    requests: [{ setupRequest: (request) => ({ ...request, path: target.next() }) }],
    skipAggregateResult: true
  })))
  const merged = autocannon.aggregateResult(raws, { url: `http://127.0.0.1:${targets[0]!.port}`, connections: targets.reduce((sum, t) => sum + t.connections, 0) })
  const perTarget = raws.map((raw) => Math.round(raw.totalCompletedRequests / Math.max(1, raw.samples)))
  return {
    announcesPerSecond: perTarget.reduce((sum, rate) => sum + rate, 0),
    perTarget,
    latencyMs: { p50: merged.latency.p50, p99: merged.latency.p99 },
    requests: raws.reduce((sum, raw) => sum + raw.totalCompletedRequests, 0),
    non2xx: merged.non2xx,
    errors: merged.errors
  }
}

/** Writes `paths` to `file`, one a line, for the timed load to pick from. */
export async function writePathFile (file: string, paths: Iterable<string>): Promise<string> {
  const lines: string[] = []
  for (const path of paths) {
    if (/[\r\n]/.test(path)) throw new Error(`announce path with a line break: ${JSON.stringify(path)}`)
    lines.push(path)
  }
  await writeFile(file, `${lines.join('\n')}\n`)
  return file
}

const SCRIPT = fileURLToPath(new URL('./tracker-load.lua', import.meta.url))

/** What tracker-load.lua's done() prints: microseconds, counts. */
interface WrkSummary {
  requests: number
  duration: number
  errors: { connect: number, read: number, write: number, timeout: number, status: number }
  latencyMicros: number[]
}

/** The shell's `times`, second line: the children's user and system time, as `0m3.210000s 0m1.020000s`. */
function childrenCpuSeconds (stdout: string): number {
  const lines = stdout.split('\n').filter((line) => /^\d+m[\d.]+s \d+m[\d.]+s$/.test(line.trim()))
  const children = lines[lines.length - 1]
  if (lines.length < 2 || children === undefined) throw new Error('wrk: the shell printed no `times`')
  return children.trim().split(' ').reduce((sum, time) => {
    const [, minutes, seconds] = /^(\d+)m([\d.]+)s$/.exec(time)!
    return sum + Number(minutes) * 60 + Number(seconds)
  }, 0)
}

/** One wrk process (one thread) against `target` for `duration` seconds, run by a shell that then prints wrk's CPU time. */
async function runWrk (target: LoadTarget, duration: number): Promise<{ summary: WrkSummary, cpuSeconds: number }> {
  const args = [`-t1`, `-c${target.connections}`, `-d${duration}s`, '--timeout', '10s', '-s', SCRIPT, `http://127.0.0.1:${target.port}`]
  // `times` after wrk: its second line is the shell's children's CPU, so wrk's alone.
  const child = spawn('sh', ['-c', 'wrk "$@"; status=$?; times; exit $status', 'sh', ...args], {
    env: { ...process.env, TRACKER_LOAD_PATHS: target.pathFile, TRACKER_LOAD_SEED: String(Math.floor(Math.random() * 2 ** 31)) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A group of its own, so that a stopped harness stops wrk too, and only it.
    detached: true
  })
  const stop = defer(async () => { if (child.exitCode === null && child.signalCode === null) { try { process.kill(-child.pid!, 'SIGKILL') } catch {} } })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (exitCode) => resolve(exitCode))
  }).finally(() => stop())
  const tail = (): string => (stderr.trim() || stdout.trim()).split('\n').slice(-3).join(' / ')
  if (code !== 0) throw new Error(`wrk against port ${target.port} exited with ${code}: ${tail()}`)
  const json = stdout.split('\n').filter((line) => line.startsWith('{"requests":')).pop()
  if (json === undefined) throw new Error(`wrk against port ${target.port} printed no summary: ${tail()}`)
  return { summary: JSON.parse(json) as WrkSummary, cpuSeconds: childrenCpuSeconds(stdout) }
}

/** Runs one wrk per target at the same time for `duration` seconds and merges their results. */
export async function loadTogether (targets: LoadTarget[], duration: number): Promise<TimedLoadResult> {
  if (targets.length === 0) throw new Error('no tracker to load')
  const runs = await Promise.all(targets.map((target) => runWrk(target, duration)))
  const perTarget = runs.map(({ summary }) => Math.round(summary.requests / Math.max(1e-6, summary.duration / 1e6)))
  const latencies: RunPercentiles[] = runs.map(({ summary }) => ({ requests: summary.requests, percentiles: summary.latencyMicros }))
  const ms = (micros: number): number => Math.round(micros / 10) / 100
  return {
    announcesPerSecond: perTarget.reduce((sum, rate) => sum + rate, 0),
    perTarget,
    latencyMs: { p50: ms(mergedQuantile(latencies, 0.5)), p99: ms(mergedQuantile(latencies, 0.99)) },
    requests: runs.reduce((sum, { summary }) => sum + summary.requests, 0),
    non2xx: runs.reduce((sum, { summary }) => sum + summary.errors.status, 0),
    errors: runs.reduce((sum, { summary: { errors: e } }) => sum + e.connect + e.read + e.write + e.timeout, 0),
    generatorCpuSeconds: runs.reduce((sum, run) => sum + run.cpuSeconds, 0)
  }
}

async function onPath (command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      await access(join(dir, command), constants.X_OK)
      return true
    } catch {}
  }
  return false
}

const NEEDS_WRK = 'the tracker scenario needs wrk (Debian: apt-get install wrk)'

/** Makes sure `wrk` is on PATH: installs it with apt-get when running as root on a machine that has apt-get, else throws. */
export async function ensureWrk (): Promise<void> {
  if (await onPath('wrk')) return
  if (process.getuid?.() !== 0 || !await onPath('apt-get')) throw new Error(NEEDS_WRK)
  log('tracker: wrk is not installed; installing it (apt-get install -y -q wrk)')
  const aptGet = (...args: string[]): Promise<unknown> => promisify(execFile)('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 })
  try {
    await aptGet('install', '-y', '-q', 'wrk').catch(async () => {
      // The package lists may be missing or stale.
      await aptGet('update', '-q')
      await aptGet('install', '-y', '-q', 'wrk')
    })
  } catch (err) {
    throw new Error(`${NEEDS_WRK}; installing it failed: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').pop()}`)
  }
  if (!await onPath('wrk')) throw new Error(`${NEEDS_WRK}; apt-get installed it, yet it is not on PATH`)
}
