// `fedswarm origin --workers N`: the primary of N origin processes sharing one
// port through Node's cluster module (each worker runs this same command and
// starts an ordinary origin; the primary hands connections round-robin). The
// workers form one origin through PostgreSQL and Redis, as separate machines
// behind a load balancer do (docs/origin-cluster.md).
//
// - The first worker starts alone (migrations, keys, the admin token file);
//   the others once it listens.
// - Each worker seeds on its own BitTorrent port (the configured one plus its
//   index): a peer's connection must reach the process that seeds its torrent.
// - A worker that dies is replaced after a backoff (1 s doubling to 30 s,
//   back to 1 s once a worker has lived a minute).
// - SIGTERM or SIGINT: every worker is told, and the primary exits once all
//   have drained.

import cluster, { type Worker } from 'node:cluster'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { untilSignal } from './until-signal.ts'

/** Tells a forked worker its index (1..N), for its BitTorrent port. */
export const WORKER_INDEX_ENV = 'FEDSWARM_WORKER_INDEX'
/** Tells every worker the one port to listen on when the configured one is 0: otherwise each (and each replacement) would get a port of its own. */
export const WORKER_PORT_ENV = 'FEDSWARM_WORKER_PORT'

export interface OriginClusterOptions {
  workers: number
  /** The configured HTTP port and address; port 0: a free one, chosen here once for all workers. */
  port: number
  host: string
  /** One line per event worth an operator's eye (a worker died, is restarted). */
  say (line: string): void
  /** Once, when all N workers listen for the first time. */
  onAllListening (): void
}

const FIRST_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 30_000
const HEALTHY_AFTER_MS = 60_000

/** Runs the primary until SIGTERM or SIGINT and all workers are gone; resolves the exit code. */
export async function runOriginCluster (options: OriginClusterOptions): Promise<number> {
  let stopping = false
  /** Until the first worker listens, its exit ends the primary instead of being restarted. */
  let firstListening = false
  const listening = new Set<number>()
  let allListening = false
  const live = new Map<number, Worker>()
  const backoff = new Map<number, number>()
  const timers = new Set<NodeJS.Timeout>()

  const port = options.port === 0 ? await freePort(options.host) : undefined
  const fork = (index: number): Worker => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index), ...(port === undefined ? {} : { [WORKER_PORT_ENV]: String(port) }) })
    const startedAt = Date.now()
    live.set(index, worker)
    worker.once('listening', () => {
      listening.add(index)
      if (listening.size === options.workers && !allListening) {
        allListening = true
        options.onAllListening()
      }
    })
    worker.on('exit', (code, signal) => {
      live.delete(index)
      if (stopping || !firstListening) return
      const lived = Date.now() - startedAt
      const delay = lived >= HEALTHY_AFTER_MS ? FIRST_BACKOFF_MS : (backoff.get(index) ?? FIRST_BACKOFF_MS)
      backoff.set(index, Math.min(delay * 2, MAX_BACKOFF_MS))
      options.say(`origin worker ${index} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}); restarting it in ${delay / 1000} s`)
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (!stopping) fork(index)
      }, delay)
      timers.add(timer)
    })
    return worker
  }

  const signalled = untilSignal()

  const first = fork(1)
  const started = await Promise.race([
    once(first, 'listening').then(() => 'listening' as const),
    once(first, 'exit').then(() => 'exited' as const),
    signalled.then(() => 'signalled' as const)
  ])
  // The first worker could not start: its own line on stderr said why.
  if (started === 'exited') return first.process.exitCode ?? 1
  if (started === 'listening') {
    firstListening = true
    for (let index = 2; index <= options.workers; index++) fork(index)
    await signalled
  }
  stopping = true
  for (const timer of timers) clearTimeout(timer)
  const exits = [...live.values()].map(async (worker) => {
    if (worker.isDead()) return
    const exited = once(worker, 'exit')
    worker.process.kill('SIGTERM')
    await exited
  })
  await Promise.all(exits)
  return 0
}

async function freePort (host: string): Promise<number> {
  const server = createServer()
  server.listen(0, host)
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
