import type { Request, Response } from 'express'
import type { Logger } from 'pino'
import type { OriginEvent } from '@fedswarm/protocol'
import { HttpError } from '../errors.ts'
import type { EventLog } from './event-log.ts'

export interface EventStreamsOptions {
  events: EventLog
  log: Logger
  /** A comment line this often keeps proxies from closing a quiet stream. */
  heartbeatMs?: number
  maxPerAddress?: number
}

/** The open Server-Sent Events streams of `/api/events`. */
export interface EventStreams {
  /**
   * Streams events to `res`: first every event after `cursor` (none when
   * undefined), page by page, then live ones as they are committed.
   */
  serve (req: Request, res: Response, cursor: number | undefined): Promise<void>
  readonly open: number
  /** Ends every stream cleanly (the clients see the end and reconnect elsewhere). */
  stop (): void
}

const PAGE = 100
const RETRY_MS = 2000
/** A client that reads slower than events come is cut off past this; it resumes with Last-Event-ID. */
const MAX_UNSENT_BYTES = 1024 * 1024

export function encodeEvent (event: OriginEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

export function createEventStreams (options: EventStreamsOptions): EventStreams {
  const { events, log } = options
  const heartbeatMs = options.heartbeatMs ?? 15_000
  const maxPerAddress = options.maxPerAddress ?? 10
  const closers = new Set<() => void>()
  const perAddress = new Map<string, number>()
  let stopped = false

  return {
    get open () { return closers.size },

    async serve (req, res, cursor) {
      if (stopped) throw new HttpError('storage_unavailable', 'the origin is stopping')
      const address = req.ip ?? 'unknown'
      const count = perAddress.get(address) ?? 0
      if (count >= maxPerAddress) throw new HttpError('too_many_streams', `at most ${maxPerAddress} open event streams per address`)
      perAddress.set(address, count + 1)

      let closed = false
      let lastSent = cursor ?? 0
      let replaying = cursor !== undefined
      const held: OriginEvent[] = []
      const send = (event: OriginEvent): void => {
        if (closed || event.seq <= lastSent) return
        lastSent = event.seq
        res.write(encodeEvent(event))
        if (res.writableLength > MAX_UNSENT_BYTES) close()
      }
      // Subscribed before the replay reads the table, so no event falls between the two.
      const unsubscribe = events.subscribe((event) => { if (replaying) held.push(event); else send(event) })
      const heartbeat = setInterval(() => { if (!closed) res.write(': heartbeat\n\n') }, heartbeatMs)
      heartbeat.unref()
      const close = (): void => {
        if (closed) return
        closed = true
        clearInterval(heartbeat)
        unsubscribe()
        closers.delete(close)
        const left = (perAddress.get(address) ?? 1) - 1
        if (left > 0) perAddress.set(address, left)
        else perAddress.delete(address)
        res.end()
      }
      closers.add(close)
      res.on('close', close)

      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' })
      if (req.method === 'HEAD') {
        close()
        return
      }
      res.write(`retry: ${RETRY_MS}\n\n`)
      if (!replaying) return
      try {
        // A cursor past the end comes from an earlier life of this origin's database (a restore, a reset): start over.
        if (lastSent > await events.lastSeq()) lastSent = 0
        for (;;) {
          const page = await events.page(lastSent, PAGE)
          if (closed) return
          for (const event of page) send(event)
          if (page.length < PAGE) break
        }
      } catch (err) {
        log.warn({ err }, 'could not replay events')
        close()
        return
      }
      replaying = false
      for (const event of held.splice(0)) send(event)
    },

    stop () {
      stopped = true
      for (const close of [...closers]) close()
    }
  }
}
