import { createParser } from 'eventsource-parser'
import type { Logger } from 'pino'
import type { Manifest } from '@fedswarm/protocol'
import { hotEventSchema, manifestSchema } from '@fedswarm/protocol'
import { abortableSleep } from '@fedswarm/runtime'
import type { OriginClient } from './origin-client.ts'
import { failureFields } from './failure-fields.ts'

export interface EventFollowerOptions {
  client: OriginClient
  /** The origin's logger: it carries the `origin` key already. */
  log: Logger
  /** Last event seq handled, or null on first start (then the current hot list is polled first). */
  cursor: number | null
  pollInterval: number
  /** `torrent`: the torrent file the event carried, unchecked; else the handler fetches it. */
  onHot (manifest: Manifest, torrent?: Buffer): Promise<void>
  /** A `deleted` event's notice, unchecked: the handler verifies it. */
  onDeleted (notice: unknown): Promise<void>
  onCursor (seq: number): Promise<void>
}

export interface EventFollower {
  stop (): Promise<void>
}

const MAX_BACKOFF_MS = 30_000

/** The torrent a hot event carries, when it carries a well-formed one; else the seeder fetches it from the manifest's URL. */
function eventTorrent (value: unknown): Buffer | undefined {
  const parsed = hotEventSchema.shape.torrent.safeParse(value)
  return parsed.success && parsed.data !== undefined ? Buffer.from(parsed.data, 'base64') : undefined
}

/**
 * Follows one origin's `/api/events` (Server-Sent Events), resuming with
 * Last-Event-ID after a drop. While the stream is down it polls
 * `/api/popular`, so hot items still arrive.
 */
export function followEvents (options: EventFollowerOptions): EventFollower {
  const { client, log } = options
  const controller = new AbortController()
  let cursor = options.cursor
  let stopped = false

  async function handle (type: string, data: string, id: string | undefined): Promise<void> {
    const event = JSON.parse(data) as { seq?: number, manifest?: unknown, torrent?: unknown, notice?: unknown }
    if (type === 'hot') await options.onHot(manifestSchema.parse(event.manifest), eventTorrent(event.torrent))
    else if (type === 'deleted') await options.onDeleted(event.notice)
    const seq = Number(id ?? event.seq)
    if (Number.isSafeInteger(seq) && (cursor === null || seq > cursor)) {
      cursor = seq
      await options.onCursor(seq)
    }
  }

  async function stream (): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream' }
    if (cursor !== null) headers['last-event-id'] = String(cursor)
    const response = await fetch(`${client.origin}/api/events`, { headers, signal: controller.signal, redirect: 'error' })
    if (!response.ok || response.body === null) throw new Error(`event stream answered HTTP ${response.status}`)
    log.info({ cursor }, 'following events')
    // Events are handled one at a time, in order, so the cursor only moves past handled ones.
    let queue = Promise.resolve()
    const parser = createParser({
      onEvent: (event) => {
        queue = queue.then(() => handle(event.event ?? 'message', event.data, event.id)).catch((err: unknown) => {
          log.warn({ err, event: event.event }, 'could not handle an event')
        })
      }
    })
    const decoder = new TextDecoder()
    for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }))
    await queue
  }

  async function poll (): Promise<void> {
    for (const manifest of await client.popular()) await options.onHot(manifest)
  }

  async function run (): Promise<void> {
    let backoff = 1000
    let failures = 0
    if (cursor === null) await poll().catch((err: unknown) => log.warn({ err }, 'could not poll popular items'))
    while (!stopped) {
      const started = Date.now()
      try {
        await stream()
      } catch (err) {
        if (stopped) return
        failures = Date.now() - started > MAX_BACKOFF_MS ? 1 : failures + 1
        log.warn(failureFields(err, failures), 'event stream failed; polling until it is back')
      }
      if (stopped) return
      if (Date.now() - started > MAX_BACKOFF_MS) backoff = 1000
      await poll().catch((err: unknown) => log.debug({ err }, 'poll failed'))
      await abortableSleep(Math.min(backoff, options.pollInterval), controller.signal)
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
    }
  }

  const running = run()
  return {
    async stop () {
      stopped = true
      controller.abort()
      await running
    }
  }
}
