import type { Logger } from 'pino'
import { isInfoHash } from '@fedswarm/protocol'
import type { Db } from '@fedswarm/storage'
import type { Tracker } from '@fedswarm/tracker'
import { mediaRepository } from './media-repository.ts'

const CHANNEL = 'fedswarm_allow'
/** Catch-up period for a NOTIFY missed while a connection was down. */
const RESYNC_MS = 10_000

export interface AllowlistSync {
  /** Allows an item here and tells every other process of this origin. */
  allow (infoHash: string): Promise<void>
  stop (): Promise<void>
}

/**
 * Keeps this process's tracker allowlist in step with items published by
 * any process of the origin (several share one PostgreSQL): a NOTIFY per
 * publish, and every few seconds a look at items created since the last
 * look. Deletions travel through the event log (deletion-effects.ts).
 */
export async function startAllowlistSync (options: { db: Db, tracker: Tracker, log: Logger }): Promise<AllowlistSync> {
  const { db, tracker, log } = options
  const first = await mediaRepository.liveInfoHashesSince(db, null)
  for (const infoHash of first.infoHashes) tracker.allow(infoHash)
  let since = first.asOf
  const unlisten = await db.listen(CHANNEL, (payload) => {
    if (isInfoHash(payload)) tracker.allow(payload)
  })
  let running: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    running = (async () => {
      const page = await mediaRepository.liveInfoHashesSince(db, since)
      for (const infoHash of page.infoHashes) tracker.allow(infoHash)
      since = page.asOf
    })().catch((err: unknown) => log.warn({ err }, 'allowlist catch-up failed; retrying'))
  }, RESYNC_MS)
  timer.unref()
  return {
    async allow (infoHash) {
      tracker.allow(infoHash)
      await db.notify(CHANNEL, infoHash).catch((err: unknown) => log.warn({ err, infoHash }, 'could not tell other processes of a new item; they catch up within seconds'))
    },
    async stop () {
      clearInterval(timer)
      await running
      await unlisten()
    }
  }
}
