import type { Logger } from 'pino'
import type { Db } from '@fedswarm/storage'
import { deletionsRepository } from './deletions-repository.ts'
import type { SafeFetch } from '@fedswarm/web'

export interface AckSweepOptions {
  db: Db
  log: Logger
  /** FEDSWARM_ACK_TIMEOUT: a seeder with a notice un-acked for longer is `stale`. */
  timeoutMs: number
  /** The SSRF-guarded fetch the pokes go through. */
  fetch: SafeFetch
  /** The origin's public URL, named in each poke so a seeder of several origins knows which one to catch up on. */
  origin: string
  /** Told when a sweep changed some seeder's status (stale seeders are never redirected to). */
  onStatusChanged (): void
}

/**
 * Every so often (a quarter of the ack timeout, from 50 ms to a minute):
 * marks `stale` the seeders with a deletion notice un-acked for longer than
 * the timeout (and `active` again those that caught up), and pokes each
 * seeder with a notice un-acked for longer than one interval —
 * `POST <publicUrl>/api/poke` — so that it catches up on `/api/deletions`
 * even if it missed the event. A seeder is poked at most once per interval,
 * however many processes of the origin sweep. Failures are logged only.
 */
export interface AckSweep {
  readonly intervalMs: number
  /** One sweep now (also what the timer runs); never rejects. */
  sweep (): Promise<void>
  stop (): Promise<void>
}

export function ackSweepInterval (timeoutMs: number): number {
  return Math.min(60_000, Math.max(50, Math.floor(timeoutMs / 4)))
}

export function startAckSweep (options: AckSweepOptions): AckSweep {
  const { db, log, timeoutMs } = options
  const intervalMs = ackSweepInterval(timeoutMs)
  let stopped = false
  let running: Promise<void> | undefined

  async function poke (seeder: { domain: string, publicUrl: string }): Promise<void> {
    try {
      const response = await options.fetch(`${seeder.publicUrl}/api/poke`, { method: 'POST', json: { origin: options.origin } })
      if (response.status >= 300) log.info({ domain: seeder.domain, status: response.status }, 'a seeder refused a poke to catch up on deletions')
    } catch (err) {
      log.info({ domain: seeder.domain, err: (err as Error).message }, 'could not poke a seeder to catch up on deletions')
    }
  }

  async function once (): Promise<void> {
    const changes = await deletionsRepository.refreshStatus(db, timeoutMs)
    for (const change of changes) {
      if (change.status === 'stale') log.warn({ domain: change.domain, timeoutMs }, 'seeder marked stale: a deletion notice waits for its ack')
      else log.info({ domain: change.domain }, 'seeder active again: every deletion notice acked')
    }
    if (changes.length > 0) options.onStatusChanged()
    if (stopped) return
    await Promise.all((await deletionsRepository.claimPokes(db, intervalMs)).map(poke))
  }

  function sweep (): Promise<void> {
    if (stopped) return Promise.resolve()
    running ??= once()
      .catch((err: unknown) => { if (!stopped) log.warn({ err }, 'ack sweep failed') })
      .finally(() => { running = undefined })
    return running
  }

  const timer = setInterval(() => { void sweep() }, intervalMs)
  timer.unref()

  return {
    intervalMs,
    sweep,
    async stop () {
      stopped = true
      clearInterval(timer)
      await running
    }
  }
}
