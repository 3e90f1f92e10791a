import type { Logger } from 'pino'
import type { OriginEvent } from '@fedswarm/protocol'
import type { Db, Queryable } from '@fedswarm/storage'

type WithoutPlace<E> = E extends unknown ? Omit<E, 'seq' | 'at'> : never
/** An event before the log gives it its seq and time. */
export type NewOriginEvent = WithoutPlace<OriginEvent>

/**
 * The origin's event log: rows of the `events` table, so that events survive
 * restarts and are the same for every process of one origin. Appends happen
 * inside the caller's transaction; once it commits, `committed()` wakes the
 * tail of every process (NOTIFY on `fedswarm_events`, and this process at
 * once), which reads the new rows in seq order and hands them to subscribers
 * (the open SSE streams).
 */
export interface EventLog {
  /** Appends `event` in `tx` and returns its seq; call `committed()` after the commit. */
  append (tx: Queryable, event: NewOriginEvent): Promise<number>
  committed (): void
  /** Events with seq > `after`, oldest first, at most `limit`. */
  page (after: number, limit: number): Promise<OriginEvent[]>
  /** The seq of the newest event, 0 when there is none. */
  lastSeq (): Promise<number>
  /** Every event committed from now on, in seq order; returns the unsubscribe function. */
  subscribe (listener: (event: OriginEvent) => void): () => void
  stop (): Promise<void>
}

export const EVENTS_CHANNEL = 'fedswarm_events'
const PAGE = 100
/** A safety net if a NOTIFY is lost (a dropped LISTEN connection): the tail also looks every so often. */
const POLL_MS = 10_000

interface EventRow {
  seq: number
  type: string
  payload: Record<string, unknown>
  created_at: Date
}

function fromRow (row: EventRow): OriginEvent {
  return { ...row.payload, seq: Number(row.seq), type: row.type, at: row.created_at.toISOString() } as OriginEvent
}

export async function startEventLog (options: { db: Db, log: Logger }): Promise<EventLog> {
  const { db, log } = options
  const listeners = new Set<(event: OriginEvent) => void>()
  let stopped = false
  let draining: Promise<void> | undefined
  let again = false

  async function page (after: number, limit: number): Promise<OriginEvent[]> {
    const rows = await db.query<EventRow>('SELECT seq, type, payload, created_at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit])
    return rows.map(fromRow)
  }

  async function lastSeq (): Promise<number> {
    const [row] = await db.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM events')
    return Number(row?.seq ?? 0)
  }

  const unlisten = await db.listen(EVENTS_CHANNEL, () => wake())
  // Listening before reading the last seq: nothing committed in between is missed.
  let tail = await lastSeq()

  async function drain (): Promise<void> {
    do {
      again = false
      for (;;) {
        if (stopped) return
        const events = await page(tail, PAGE)
        for (const event of events) {
          tail = event.seq
          for (const listener of listeners) listener(event)
        }
        if (events.length < PAGE) break
      }
    } while (again)
  }

  function wake (): void {
    if (stopped) return
    if (draining !== undefined) {
      again = true
      return
    }
    draining = drain()
      .catch((err: unknown) => { if (!stopped) log.warn({ err }, 'could not read new events') })
      .finally(() => { draining = undefined })
  }

  const poll = setInterval(wake, POLL_MS)
  poll.unref()

  return {
    async append (tx, event) {
      // One appender at a time, so seqs commit in the order they are taken and the tail never skips one.
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('fedswarm:events'))")
      const { type, ...payload } = event
      const [row] = await tx.query<{ seq: number }>('INSERT INTO events (type, payload) VALUES ($1, $2) RETURNING seq', [type, JSON.stringify(payload)])
      return Number(row!.seq)
    },
    committed () {
      wake()
      db.notify(EVENTS_CHANNEL, '').catch((err: unknown) => { if (!stopped) log.warn({ err }, 'could not notify other processes of an event') })
    },
    page,
    lastSeq,
    subscribe (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    async stop () {
      if (stopped) return
      stopped = true
      clearInterval(poll)
      listeners.clear()
      await draining
      await unlisten()
    }
  }
}
