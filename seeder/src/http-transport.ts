import { mkdir, open } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import type { Logger } from 'pino'
import { parseTorrentFile } from '@fedswarm/peer'
import { ThrottleGroup } from 'speed-limiter'
import { MAX_PIECE_LENGTH } from '@fedswarm/protocol'
import { createSafeFetch, SafeFetchError, type SafeFetch } from '@fedswarm/web'
import type { ByteSource, Swarm, SwarmItem } from './active-swarm.ts'
import { judgePiece, pieceAt, pieceRange, pieceSpec, type PieceLayout } from './piece-answer.ts'
import { openPieceFile, type PieceFile } from './piece-file.ts'
import { createPieceScheduler, type Assignment, type PieceFault, type PieceScheduler } from './piece-scheduler.ts'

export interface HttpTransportOptions {
  /** Folder holding one sub-folder per item: `<itemsDir>/<infoHash>/<file>`. */
  itemsDir: string
  log: Logger
  uploadLimit?: number
  downloadLimit?: number
  /** Fetches at once; fetched items kept streamable until they leave the set. */
  maxActive: number
  /** FEDSWARM_ALLOW_PRIVATE_ADDRESSES: mirrors on private addresses may be fetched (tests, private networks). */
  allowPrivateAddresses: boolean
  /** This seeder's public URL: its own mirror is never a source of its fetches. */
  publicUrl: string
  /** FEDSWARM_WEBSEED_AFTER: the origin's web seed is asked only once mirrors have given nothing for this long (ms). */
  webSeedAfter: number
  onBytes (source: ByteSource, direction: 'in' | 'out', bytes: number, infoHash: string): void
  /** Requests at once per fetch, and to one source. */
  parallel?: number
  perSource?: number
}

const PARALLEL = 6
const PER_SOURCE = 2
const MAX_ERRORS = 5
const BACKOFF_MS = 1000
/** The origin's manifest is read again this often while a fetch runs: mirrors verified meanwhile join it before the web seed is asked. */
const MIRROR_REFRESH_MS = 2000
const MIN_TIMEOUT_MS = 30_000

interface Entry {
  layout: PieceLayout
  path: string
  scheduler: PieceScheduler
  fetching: boolean
  /** Why the fetch ended without the item; readers waiting for pieces fail with it. */
  failure: Error | null
  /** Woken at every verified piece and at the end. */
  waiters: Set<() => void>
  /** Asks for a piece first; ends the fetch. */
  want (piece: number): void
  abort (reason: Error): void
}

/** The mirror URLs of the item on other seeders: `<base>/media/<infoHash>`, never our own. */
export function usableMirrors (urls: string[], infoHash: string, publicUrl: string): string[] {
  const self = new URL(publicUrl).origin
  return urls.filter((text) => {
    const url = URL.canParse(text) ? new URL(text) : undefined
    return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' &&
      url.pathname === `/media/${infoHash}` && url.search === '' && url.origin !== self
  })
}

/** An item's pieces and file name, from its torrent: one file, named without any path. */
async function layoutOf (item: SwarmItem, sha256: string): Promise<{ layout: PieceLayout, name: string }> {
  const parsed = await parseTorrentFile(item.torrent)
  const { name, length, pieceLength, pieces, files } = parsed
  if (files?.length !== 1 || name === undefined || basename(name) !== name || name === '.' || name === '..' || length === undefined || pieceLength === undefined || pieces === undefined) {
    throw new Error(`the torrent of ${item.infoHash} is not one plainly named file`)
  }
  return { layout: { total: length, pieceLength, hashes: pieces, etag: `"${sha256}"` }, name }
}

/**
 * The seeder's transport where BitTorrent is not allowed
 * (FEDSWARM_TRANSPORT=http): the same `Swarm` as active-swarm.ts, with no
 * BitTorrent port. It fetches each item's pieces with Range requests, in
 * parallel, from the verified mirrors its origin lists and from the
 * origin's web seed (the last resort, once mirrors have stalled for
 * FEDSWARM_WEBSEED_AFTER: piece-scheduler.ts), checks each
 * piece against the torrent's SHA-1 (piece-answer.ts), drops a source that
 * answers one wrongly and asks another. Mirrors are fetched through the
 * SSRF guard; the web seed is the origin the admin named. Items are served
 * by the mirror from disk; a fetch under way streams its verified pieces.
 */
export function createHttpTransport (options: HttpTransportOptions): Swarm {
  const { log, maxActive } = options
  const parallel = options.parallel ?? PARALLEL
  const perSource = options.perSource ?? PER_SOURCE
  const up = new ThrottleGroup({ rate: options.uploadLimit ?? 0, enabled: options.uploadLimit !== undefined })
  const down = options.downloadLimit === undefined ? undefined : new ThrottleGroup({ rate: options.downloadLimit })
  // A capped download shares its rate among `parallel` requests: each may take that long for the largest piece.
  const timeoutMs = Math.max(MIN_TIMEOUT_MS, options.downloadLimit === undefined ? 0 : Math.ceil(2000 * MAX_PIECE_LENGTH * parallel / options.downloadLimit))
  const fetchers: Record<Assignment['kind'], SafeFetch> = {
    mirror: createSafeFetch({ allowPrivateAddresses: options.allowPrivateAddresses, timeoutMs, userAgent: 'fedswarm-seeder' }),
    webseed: createSafeFetch({ allowPrivateAddresses: true, timeoutMs, userAgent: 'fedswarm-seeder' })
  }

  /** Map order is recency: the first entry is the oldest. */
  const entries = new Map<string, Entry>()
  /** Fetches past room() still opening their file: they count against maxActive, and a deactivate cancels them. */
  const starting = new Map<string, AbortController>()
  const waiting: Array<() => void> = []
  let stopped = false

  const wake = (entry: Entry): void => { for (const waiter of [...entry.waiters]) waiter() }

  function end (infoHash: string, entry: Entry, reason: Error): void {
    if (entries.get(infoHash) === entry) entries.delete(infoHash)
    entry.failure ??= reason
    entry.abort(reason)
    wake(entry)
  }

  /** Resolves when a fetch may start, letting the oldest finished item go if need be. */
  async function room (): Promise<void> {
    while (entries.size + starting.size >= maxActive && !stopped) {
      const victim = [...entries].find(([, entry]) => !entry.fetching)
      if (victim !== undefined) {
        end(victim[0], victim[1], new Error('the item left the active set'))
        continue
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
  }

  function untilVerified (entry: Entry, piece: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (entry.scheduler.isVerified(piece)) resolve()
        else if (entry.failure !== null) reject(entry.failure)
        else return
        entry.waiters.delete(check)
      }
      entry.waiters.add(check)
      check()
      if (entry.waiters.has(check)) entry.want(piece)
    })
  }

  async function * readVerified (entry: Entry, start: number, last: number): AsyncGenerator<Buffer> {
    const handle = await open(entry.path, 'r')
    try {
      for (let position = start; position <= last;) {
        const piece = pieceAt(entry.layout, position)
        await untilVerified(entry, piece)
        const spec = pieceSpec(entry.layout, piece)
        const bytes = Buffer.allocUnsafe(Math.min(last, spec.start + spec.length - 1) - position + 1)
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, position)
        if (bytesRead !== bytes.length) throw new Error(`short read of ${entry.path}`)
        yield bytes
        position += bytes.length
      }
    } finally {
      await handle.close()
    }
  }

  /** Fetches every missing piece into `file`; resolves when all are verified. */
  function run (infoHash: string, entry: Entry, file: PieceFile, mirrors: () => Promise<string[]>, signal: AbortSignal | undefined, onProgress?: (received: number, total: number) => void): Promise<void> {
    const { scheduler, layout } = entry
    const requests = new AbortController()
    let received = 0
    for (let piece = 0; piece < layout.hashes.length; piece++) if (scheduler.isVerified(piece)) received += pieceSpec(layout, piece).length
    return new Promise<void>((resolve, reject) => {
      let finished = false
      let timer: NodeJS.Timeout | undefined
      const finish = (err?: Error): void => {
        if (finished) return
        finished = true
        clearTimeout(timer)
        clearInterval(refresh)
        signal?.removeEventListener('abort', onAbort)
        requests.abort(err ?? new Error('fetch complete'))
        if (err === undefined) resolve()
        else reject(err)
      }
      const onAbort = (): void => finish(signal?.reason as Error ?? new Error('aborted'))
      entry.abort = finish

      const pump = (): void => {
        if (finished) return
        if (scheduler.done()) return finish()
        for (let next = scheduler.next(Date.now()); next !== undefined; next = scheduler.next(Date.now())) void ask(next)
        if (scheduler.stuck()) return finish(new Error(`no source left to fetch ${infoHash} from: ${JSON.stringify(scheduler.sources())}`))
        const wakeAt = scheduler.wakeAt(Date.now())
        clearTimeout(timer)
        if (wakeAt !== undefined) timer = setTimeout(pump, wakeAt - Date.now())
      }
      entry.want = (piece) => {
        scheduler.want(piece)
        pump()
      }

      const fail = (assignment: Assignment, fault: PieceFault, reason: string): void => {
        const dropped = scheduler.failed(assignment.piece, assignment.url, fault, Date.now())
        const context = { infoHash, source: assignment.url, piece: assignment.piece, reason }
        if (dropped) log.warn(context, fault === 'wrong' ? 'dropped a source that answered a piece wrongly; its pieces are asked of others' : 'dropped a source that did not answer, time after time')
        else log.debug(context, 'a piece was not had from a source; it is asked again')
      }

      const ask = async (assignment: Assignment): Promise<void> => {
        const spec = pieceSpec(layout, assignment.piece)
        try {
          const answer = await fetchers[assignment.kind](assignment.url, {
            headers: { range: pieceRange(spec), accept: '*/*' }, signal: requests.signal, maxBytes: spec.length, throttle: down === undefined ? undefined : () => down.throttle()
          })
          if (finished) return
          options.onBytes(assignment.kind, 'in', answer.body.length, infoHash)
          const verdict = judgePiece(answer, spec)
          if (!verdict.ok) {
            fail(assignment, verdict.fault, verdict.reason)
          } else {
            await file.write(spec, answer.body)
            scheduler.verified(assignment.piece, assignment.url, Date.now())
            wake(entry)
            received += spec.length
            onProgress?.(received, layout.total)
          }
        } catch (err) {
          if (finished) return
          if (!(err instanceof SafeFetchError)) return finish(err as Error)
          fail(assignment, err.failure === 'unreachable' ? 'transient' : 'wrong', err.message)
        }
        pump()
      }

      const refreshMirrors = (): void => {
        mirrors().then((urls) => {
          scheduler.setMirrors(usableMirrors(urls, infoHash, options.publicUrl))
          pump()
        }, (err: unknown) => log.debug({ err, infoHash }, 'could not read the item\'s mirrors again'))
      }
      const refresh = setInterval(refreshMirrors, MIRROR_REFRESH_MS)
      if (signal?.aborted === true) return onAbort()
      signal?.addEventListener('abort', onAbort)
      pump()
    })
  }

  return {
    listening: () => Promise.resolve(null),

    async fetch (item, fetchOptions) {
      if (stopped) throw new Error('transport stopped')
      const { layout, name } = await layoutOf(item, fetchOptions.sha256)
      await this.deactivate(item.infoHash)
      await room()
      if (stopped) throw new Error('transport stopped')
      const cancel = new AbortController()
      starting.set(item.infoHash, cancel)
      const path = join(options.itemsDir, item.infoHash, name)
      let file: PieceFile
      let firstMirrors: string[]
      try {
        await mkdir(dirname(path), { recursive: true })
        // Mirrors are known before the first request, so that the origin is asked only for what they cannot give.
        firstMirrors = await fetchOptions.mirrors().catch((err: unknown) => {
          log.debug({ err, infoHash: item.infoHash }, 'could not read the item\'s mirrors; starting with the web seed')
          return []
        })
        file = await openPieceFile(path, layout)
      } catch (err) {
        waiting.shift()?.()
        throw err
      } finally {
        starting.delete(item.infoHash)
      }
      if (cancel.signal.aborted || stopped) {
        await file.close()
        waiting.shift()?.()
        throw cancel.signal.reason as Error ?? new Error('transport stopped')
      }
      const scheduler = createPieceScheduler({
        pieces: layout.hashes.length, verified: file.verified, webSeeds: fetchOptions.webSeeds, parallel, perSource, maxErrors: MAX_ERRORS, backoffMs: BACKOFF_MS, webSeedAfter: fetchOptions.webSeedAfter ?? options.webSeedAfter, now: Date.now()
      })
      scheduler.setMirrors(usableMirrors(firstMirrors, item.infoHash, options.publicUrl))
      const entry: Entry = { layout, path, scheduler, fetching: true, failure: null, waiters: new Set(), want: () => {}, abort: () => {} }
      entries.set(item.infoHash, entry)
      try {
        fetchOptions.onReady?.()
        await run(item.infoHash, entry, file, fetchOptions.mirrors, fetchOptions.signal, fetchOptions.onProgress)
        log.info({ infoHash: item.infoHash, sources: scheduler.sources() }, 'fetched over HTTP')
        return { path, sha256: await file.sha256() }
      } catch (err) {
        end(item.infoHash, entry, err as Error)
        throw err
      } finally {
        entry.fetching = false
        await file.close()
        waiting.shift()?.()
      }
    },

    // No swarm to join: a complete item is served by the mirror from disk.
    async seed (item) {
      const entry = entries.get(item.infoHash)
      if (entry === undefined) return
      entries.delete(item.infoHash)
      entries.set(item.infoHash, entry)
    },

    async deactivate (infoHash) {
      starting.get(infoHash)?.abort(new Error('the item left the active set'))
      const entry = entries.get(infoHash)
      if (entry !== undefined) end(infoHash, entry, new Error('the item left the active set'))
    },

    canStream: (infoHash) => entries.has(infoHash),

    stream (infoHash, range) {
      const entry = entries.get(infoHash)
      if (entry === undefined) return undefined
      return Readable.from(readVerified(entry, range?.start ?? 0, range?.end ?? entry.layout.total - 1))
    },

    isActive: (infoHash) => entries.has(infoHash),
    activeCount: () => entries.size,
    capacity: () => maxActive,
    uploadThrottle: () => up.throttle(),

    async stop () {
      if (stopped) return
      stopped = true
      for (const cancel of starting.values()) cancel.abort(new Error('transport stopped'))
      for (const [infoHash, entry] of [...entries]) end(infoHash, entry, new Error('transport stopped'))
      for (const resolve of waiting.splice(0)) resolve()
      up.destroy()
      down?.destroy()
    }
  }
}
