// Shared by every scenario: real `fedswarm` processes (@fedswarm/process-fixture),
// one registry of things to undo (processes, temp dirs, PostgreSQL schemas) so
// that a failure or SIGINT still leaves nothing behind, and small measuring
// helpers (Prometheus text, /proc, bounded polling).

import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, readlink } from 'node:fs/promises'
import pg from 'pg'
import { metric, tempDir, type TempDir } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess, type StartOptions } from '@fedswarm/process-fixture'
import { closeRedis, openRedis } from '@fedswarm/runtime'
import type { Redis } from 'ioredis'

export type { DaemonProcess, OriginProcess } from '@fedswarm/process-fixture'

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef'
export const KiB = 1024
export const MiB = 1024 * 1024

// ---- cleanup registry -------------------------------------------------------

const undo = new Map<number, () => Promise<unknown>>()
let nextUndo = 0
/**
 * Set by SIGINT or SIGTERM. Starts already under way still finish (a folder
 * made, a process ready) and register their undo: from then on that is run
 * at once, and startMany starts nothing new.
 */
let interrupted = false
let cleaning: Promise<void> | undefined
/** Processes being started: cleanup waits for them (each start is bounded by its own timeout), then stops them. */
const starting = new Set<Promise<unknown>>()

function tracked<T> (start: Promise<T>): Promise<T> {
  starting.add(start)
  const forget = (): void => { starting.delete(start) }
  start.then(forget, forget)
  return start
}

/** Registers `fn` to run at cleanup; returns a function that runs it now (once) and unregisters it. */
export function defer (fn: () => Promise<unknown>): () => Promise<void> {
  const id = nextUndo++
  undo.set(id, fn)
  if (interrupted) void cleanupAll()
  return async () => {
    if (!undo.delete(id)) return
    await fn()
  }
}

/**
 * Runs every registered undo, newest first, until none is left: a process
 * being started is waited for and then stopped, an undo registered meanwhile
 * runs too. Errors are printed, never thrown. Calls while one runs share it.
 */
export function cleanupAll (): Promise<void> {
  cleaning ??= (async () => {
    try {
      while (undo.size > 0 || starting.size > 0) {
        await Promise.allSettled([...starting])
        const entries = [...undo.entries()].reverse()
        undo.clear()
        for (const [, fn] of entries) {
          try { await fn() } catch (err) { console.error(`bench: cleanup failed: ${(err as Error).message}`) }
        }
      }
    } finally {
      cleaning = undefined
    }
  })()
  return cleaning
}

/**
 * Runs a bench command's `main`: a failure is one line and exit code 1;
 * SIGINT or SIGTERM, and the end either way, stop every process and remove
 * every temp folder.
 */
export async function runCommand (name: string, main: () => Promise<void>): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (interrupted) return
      interrupted = true
      log(`${name}: ${signal}, stopping every process and removing temp folders`)
      void cleanupAll().finally(() => process.exit(130))
    })
  }
  try {
    await main()
  } catch (err) {
    console.error(`${name}: ${(err as Error).message}`)
    process.exitCode = 1
  } finally {
    await cleanupAll()
  }
}

export async function benchTempDir (prefix: string): Promise<TempDir> {
  const dir = await tempDir(`fedswarm-bench-${prefix}-`)
  const remove = defer(() => dir.remove())
  return { path: dir.path, remove }
}

// ---- database choice --------------------------------------------------------

/** The PostgreSQL server the bench may use for seeders' and origins' metadata (one schema each). */
export const BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test'

export async function postgresAvailable (): Promise<boolean> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

export const BENCH_REDIS_URL = 'redis://127.0.0.1:6379'

/** BENCH_REDIS_URL when a Redis answers there, else undefined (the tracker's Redis runs are left out). */
export async function redisAvailable (): Promise<string | undefined> {
  try {
    await closeRedis(await openRedis({ url: BENCH_REDIS_URL }))
    return BENCH_REDIS_URL
  } catch {
    return undefined
  }
}

/** Env for one process using its own schema `b_<hex>` on BENCH_DATABASE_URL; the schema is dropped at cleanup. */
export function pgSchema (): { env: Record<string, string>, drop: () => Promise<void> } {
  const schema = `b_${randomBytes(6).toString('hex')}`
  const drop = defer(async () => {
    const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 5000 })
    try {
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    } finally {
      await client.end().catch(() => {})
    }
  })
  return { env: { DATABASE_URL: BENCH_DATABASE_URL, FEDSWARM_DB_SCHEMA: schema }, drop }
}

export type DbChoice = 'pglite' | 'postgres'

// ---- processes --------------------------------------------------------------

/**
 * Per-address budgets raised for the bench: every process here talks from
 * 127.0.0.1, so limits meant for one remote server would otherwise count a
 * whole benchmark as one client.
 */
export const ORIGIN_BENCH_ENV: Record<string, string> = {
  FEDSWARM_ADMIN_TOKEN: ADMIN_TOKEN,
  FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true',
  FEDSWARM_API_RATE: '1000000',
  FEDSWARM_EVENT_STREAMS_PER_ADDRESS: '1000',
  FEDSWARM_ANNOUNCE_RATE: '100000',
  FEDSWARM_LOG_LEVEL: 'error'
}

let profileDir: string | undefined

/** Makes every process the bench starts from now on write a CPU profile into `dir` as it exits (`node --cpu-prof`; bench/cpu-profile-top.ts reads them). */
export function profileProcessesInto (dir: string): void {
  profileDir = dir
}

/** Where the processes write their CPU profiles; undefined unless asked for (--cpu-prof). */
export function profileDirectory (): string | undefined {
  return profileDir
}

/** The environment that makes a child Node process profile itself, when asked for (--cpu-prof). */
export function profileEnv (): Record<string, string> {
  return profileDir === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }
}

/** `command`: run it under e.g. `ip netns exec NAME` (bench/netns.ts). */
export function startOrigin (db: DbChoice, env: Record<string, string>, timeoutMs = 60_000, command?: string[]): Promise<OriginProcess> {
  return tracked((async () => {
    const data = await benchTempDir('origin')
    const dbEnv = db === 'postgres' ? pgSchema().env : {}
    const origin = await startOriginProcess({ env: { ...ORIGIN_BENCH_ENV, ...dbEnv, ...profileEnv(), FEDSWARM_DATA: data.path, ...env }, timeoutMs, command })
    defer(() => origin.stop())
    return origin
  })())
}

export function startSeeder (db: DbChoice, originUrl: string, env: Record<string, string | undefined>, timeoutMs = 90_000, command?: string[]): Promise<DaemonProcess> {
  return tracked((async () => {
    const data = await benchTempDir('seeder')
    const dbEnv = db === 'postgres' ? pgSchema().env : {}
    const options: StartOptions = { env: { FEDSWARM_ORIGINS: originUrl, FEDSWARM_LOG_LEVEL: 'error', ...dbEnv, ...profileEnv(), FEDSWARM_DATA: data.path, ...env }, timeoutMs, command }
    const seeder = await startSeederProcess(options)
    defer(() => seeder.stop())
    return seeder
  })())
}

/** Runs `start(i)` for i < count, at most `parallel` at once, in index order of the results. */
export async function startMany<T> (count: number, parallel: number, start: (i: number) => Promise<T>, onStarted?: (done: number) => void): Promise<T[]> {
  const results: T[] = new Array<T>(count)
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    while (next < count && !interrupted) {
      const i = next++
      results[i] = await start(i)
      onStarted?.(++done)
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker))
  return results
}

// ---- measuring --------------------------------------------------------------

export { metric }

export async function originMetrics (originUrl: string): Promise<string> {
  const response = await fetch(`${originUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(10_000) })
  if (response.status !== 200) throw new Error(`${originUrl}/metrics answered ${response.status}`)
  return response.text()
}

export async function seederMetrics (seederUrl: string): Promise<string> {
  const response = await fetch(`${seederUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
  return response.text()
}

/** Origin egress in bytes: HTTP media bytes plus its own BitTorrent uploads. */
export function originEgress (text: string): { http: number, swarm: number, total: number } {
  const http = metric(text, 'fedswarm_media_http_bytes_sent_total')
  const swarm = metric(text, 'fedswarm_seeding_uploaded_bytes')
  return { http, swarm, total: http + swarm }
}

/** Resident memory in bytes (VmRSS of /proc/<pid>/status). */
export async function rssBytes (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(kb) * 1024
}

/** Resident memory now and at its peak, in bytes (VmRSS and VmHWM of /proc/<pid>/status). */
export async function memoryBytes (pid: number): Promise<{ rss: number, peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string): number => {
    const value = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]
    if (value === undefined) throw new Error(`no ${name} for pid ${pid}`)
    return Number(value) * 1024
  }
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/** CPU time used so far (utime + stime of /proc/<pid>/stat), in seconds; clock ticks are 100 Hz on Linux. */
export async function cpuSeconds (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** CPU time a Redis server has used so far (`INFO cpu`: user + system, all its threads), in seconds. */
export async function redisCpuSeconds (redis: Redis): Promise<number> {
  const info = await redis.info('cpu')
  const field = (name: string): number => {
    const value = Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1])
    if (!Number.isFinite(value)) throw new Error(`Redis INFO cpu has no ${name}`)
    return value
  }
  return field('used_cpu_user') + field('used_cpu_sys')
}

/** Whether a process still runs (signal 0 probes without signalling). */
export function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The last `lines` lines of a daemon's output, for an error message. */
export function outputTail (daemon: DaemonProcess, lines = 15): string {
  return daemon.output().split('\n').filter(Boolean).slice(-lines).join('\n')
}

/** Open file descriptors of a process by kind (/proc/<pid>/fd): sockets, epoll instances (one per event loop), the rest. */
export async function openFiles (pid: number): Promise<{ total: number, sockets: number, epoll: number }> {
  const fds = await readdir(`/proc/${pid}/fd`)
  let sockets = 0
  let epoll = 0
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
    if (target.startsWith('socket:')) sockets++
    else if (target === 'anon_inode:[eventpoll]') epoll++
  }
  return { total: fds.length, sockets, epoll }
}

export function sha256Base64url (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url')
}

/** The sha256 (base64url) of a response's body, hashed as it arrives rather than held whole. */
export async function bodySha256Base64url (response: Response): Promise<string> {
  const hash = createHash('sha256')
  if (response.body !== null) for await (const chunk of response.body) hash.update(chunk)
  return hash.digest('base64url')
}

export function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Calls `check` every `everyMs` until it returns a value, for at most `timeoutMs`. */
export async function poll<T> (what: string, timeoutMs: number, everyMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

export function quantile (values: number[], q: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index]!
}

export function round (value: number, digits = 2): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

export function log (line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`)
}
