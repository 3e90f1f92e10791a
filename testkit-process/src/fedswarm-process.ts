// Real `fedswarm` processes for end-to-end tests and benchmarks: spawned with
// this Node (24) on bin/fedswarm.js, output collected (shown only when a test
// fails), readiness awaited with a bound, and every process stopped and reaped.

import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { tempDir, type TempDir } from '@fedswarm/testkit'

// The command under test is this checkout's own bin, run from its root.
const FEDSWARM_BIN = fileURLToPath(new URL('../../bin/fedswarm.js', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Env names that configure Fedswarm: never inherited from the developer's shell. */
const CONFIG_ENV = /^(PORT|DATABASE_URL|S3_.*|AWS_.*|FEDSWARM_.*)$/

/**
 * The env of a child: this process's (PATH, HOME...) without any Fedswarm
 * configuration, then quiet test defaults, then `env` (a value of
 * `undefined` removes a default).
 */
function childEnv (env: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!CONFIG_ENV.test(name)) merged[name] = value
  }
  Object.assign(merged, {
    FEDSWARM_LOG_LEVEL: 'warn',
    FEDSWARM_HOST: '127.0.0.1',
    FEDSWARM_TORRENT_PORT: '0'
  }, env)
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

export interface ExitStatus {
  code: number | null
  signal: NodeJS.Signals | null
}

/** Processes started here and not yet exited: killed if the test run ends without stopping them. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

function exited (child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
}

function within<T> (promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms) })
  ]).finally(() => clearTimeout(timer))
}

/** `signal` (SIGTERM), then SIGKILL after `graceMs`; resolves with how it exited. */
async function terminate (child: ChildProcess, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
  const done = exited(child)
  if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  const graceful = await within(done, graceMs)
  if (graceful !== 'timeout') return graceful
  child.kill('SIGKILL')
  const killed = await within(done, 5_000)
  if (killed === 'timeout') throw new Error(`process ${child.pid} did not exit after SIGKILL`)
  return killed
}

function spawnFedswarm (args: string[], env: Record<string, string>, fileSizeLimit?: number, command: string[] = []): { child: ChildProcess, stdout: () => string, stderr: () => string } {
  const argv = [...command, process.execPath, FEDSWARM_BIN, ...args]
  // `ulimit -f` counts 512-byte blocks (POSIX sh); exec keeps the pid, so signals reach Node itself.
  const child = fileSizeLimit === undefined
    ? spawn(argv[0]!, argv.slice(1), { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('/bin/sh', ['-c', `ulimit -f ${Math.floor(fileSizeLimit / 512)} && exec "$@"`, 'sh', ...argv], { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  return { child, stdout: () => stdout, stderr: () => stderr }
}

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `fedswarm ...args` to its end (bounded: killed after `timeoutMs`). */
export async function runCli (args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 20_000): Promise<CliResult> {
  const { child, stdout, stderr } = spawnFedswarm(args, childEnv(env))
  // 'close' rather than 'exit': every byte of stdout and stderr is in.
  const closed = new Promise<ExitStatus>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  const status = await within(closed, timeoutMs)
  if (status === 'timeout') {
    await terminate(child, 2_000)
    throw new Error(`fedswarm ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout:\n${stdout()}\nstderr:\n${stderr()}`)
  }
  return { ...status, stdout: stdout(), stderr: stderr() }
}

/** A long-running `fedswarm origin` or `fedswarm seeder`. */
export interface DaemonProcess {
  /** The public URL, e.g. http://127.0.0.1:PORT. */
  url: string
  port: number
  dataDir: string
  pid: number
  /**
   * SIGTERM (or `signal`), SIGKILL after a bounded wait; resolves once it has
   * exited. Removes the data dir only if this helper made it. Idempotent.
   */
  stop (signal?: NodeJS.Signals): Promise<ExitStatus>
  /** Everything it wrote so far, stdout then stderr, for failure reports. */
  output (): string
  /** What it wrote to stdout so far: its JSON log. */
  stdout (): string
  /** Calls `listener` with each piece of stdout from now on (not split at lines); returns the function that stops it. */
  onStdout (listener: (chunk: string) => void): () => void
}

export interface OriginProcess extends DaemonProcess {
  /** The admin token when this start generated it (read from the file its line names). */
  token?: string
}

export interface StartOptions {
  /** Added to childEnv()'s defaults; PORT defaults to 0. Without FEDSWARM_DATA (nor --data), a temp data dir is made and removed on stop. */
  env?: Record<string, string | undefined>
  args?: string[]
  /** How long to wait for the listening line. */
  timeoutMs?: number
  /** RLIMIT_FSIZE of the process, in bytes: a write past it fails with EFBIG (Node ignores SIGXFSZ). */
  fileSizeLimit?: number
  /** Runs Node under this command (e.g. `ip netns exec NAME`), which must exec it so that the pid is Node's. */
  command?: string[]
}

const ORIGIN_LISTENING = /^Fedswarm origin listening on (\S+) \(port (\d+)\), data in (.+)$/m
const SEEDER_LISTENING = /^Fedswarm seeder listening on (\S+) \(port (\d+), (?:BitTorrent port \d+|HTTP only, no BitTorrent port)\)$/m
const ADMIN_TOKEN = /^Admin token generated, kept in (\S+)$/m

/** Starts `fedswarm origin` and resolves once it printed its URL and answers /healthz. */
export async function startOriginProcess (options: StartOptions = {}): Promise<OriginProcess> {
  const daemon = await startDaemon('origin', ORIGIN_LISTENING, options)
  const tokenFile = ADMIN_TOKEN.exec(daemon.output())?.[1]
  return { ...daemon, token: tokenFile === undefined ? undefined : (await readFile(tokenFile, 'utf8')).trim() }
}

/** Starts `fedswarm seeder` (give FEDSWARM_ORIGINS or --origin) and resolves once it answers /healthz. */
export async function startSeederProcess (options: StartOptions = {}): Promise<DaemonProcess> {
  return startDaemon('seeder', SEEDER_LISTENING, options)
}

async function startDaemon (verb: 'origin' | 'seeder', listeningLine: RegExp, options: StartOptions): Promise<DaemonProcess> {
  const args = options.args ?? []
  const timeoutMs = options.timeoutMs ?? 20_000
  let ownDir: TempDir | undefined
  const env: Record<string, string | undefined> = { PORT: '0', ...options.env }
  if ((env.FEDSWARM_DATA === undefined || env.FEDSWARM_DATA === '') && !args.includes('--data')) {
    ownDir = await tempDir(`fedswarm-e2e-${verb}-`)
    env.FEDSWARM_DATA = ownDir.path
  }
  const { child, stdout, stderr } = spawnFedswarm([verb, ...args], childEnv(env), options.fileSizeLimit, options.command)
  const output = (): string => `--- stdout ---\n${stdout()}--- stderr ---\n${stderr()}`
  let stopped: Promise<ExitStatus> | undefined
  const stop = (signal?: NodeJS.Signals): Promise<ExitStatus> => {
    stopped ??= terminate(child, 10_000, signal).finally(() => ownDir?.remove())
    return stopped
  }

  // The lines a person reads are on stderr; stdout is the JSON log.
  const listening = new Promise<RegExpExecArray>((resolve, reject) => {
    const check = (): void => {
      const match = listeningLine.exec(stderr())
      if (match !== null) {
        child.stderr!.off('data', check)
        resolve(match)
      }
    }
    child.stderr!.on('data', check)
    child.once('error', reject)
    child.once('exit', (code, signal) => reject(new Error(`fedswarm ${verb} exited (code ${code}, signal ${signal}) before listening\n${output()}`)))
  })
  // Once the race below is over, a late exit must not become an unhandled rejection.
  listening.catch(() => {})
  try {
    const match = await within(listening, timeoutMs)
    if (match === 'timeout') throw new Error(`fedswarm ${verb} printed no listening line in ${timeoutMs} ms\n${output()}`)
    const url = match[1]!
    // Every line is written before the server answers anything: after one answered request they are all in.
    const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })
    if (health.status !== 200) throw new Error(`${url}/healthz answered ${health.status}\n${output()}`)
    await health.arrayBuffer()
    const onStdout = (listener: (chunk: string) => void): () => void => {
      child.stdout!.on('data', listener)
      return () => { child.stdout!.off('data', listener) }
    }
    return { url, port: Number(match[2]), dataDir: match[3] ?? env.FEDSWARM_DATA ?? '', pid: child.pid!, stop, output, stdout, onStdout }
  } catch (err) {
    await stop()
    throw err
  }
}
