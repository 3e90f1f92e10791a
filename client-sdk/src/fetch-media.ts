// fetchMedia's strategy. Small items (or swarm: false): plain HTTP, mirrors
// then origin. Larger ones: the swarm (peers; in Node, mirrors as web seeds
// too), where HTTP steps in when the swarm stalls for `headStartMs`: in Node
// first the origin joins as a web seed, then, if the swarm is still stalled
// after as long again, a plain HTTP GET (mirrors, then origin) races it; in
// a browser the plain GET comes at the first stall. Whatever path wins, its
// bytes match the manifest's sha256 before they are returned; nothing is
// left running.

import { DEFAULT_HEAD_START_MS, DEFAULT_SWARM_THRESHOLD } from './defaults.ts'
import { sha256Base64url } from './digest.ts'
import { AbortError, FedswarmError, IntegrityError, TimeoutError } from './errors.ts'
import { httpFetch } from './http-fetch.ts'
import { refusalOf, resolveManifest } from './manifest.ts'
import { emptyTally, httpSources, type Tally } from './sources.ts'
import { startSwarmFetch, type SwarmFetch } from './swarm.ts'
import type { TorrentClient } from './torrent-client.ts'
import type { FetchOptions, FetchReport, FetchResult, Manifest, MediaSource } from './types.ts'


/**
 * Whether HTTP sources can be web seeds. webtorrent's web seed requests carry
 * `Cache-Control` and `User-Agent` headers, so in a browser each needs a CORS
 * preflight, which origins and mirrors of earlier versions do not answer: there,
 * HTTP sources are only used by the plain GET, a simple CORS request.
 */
const WEB_SEEDS = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined &&
  typeof (globalThis as { document?: unknown }).document === 'undefined'

export interface FetchContext {
  fetch: typeof globalThis.fetch
  share: boolean
  torrents: TorrentClient
}

interface Outcome {
  bytes: Uint8Array
  tally: Tally
  via: FetchReport['via']
}



/** One signal for the caller's abort and the overall timeout, with typed reasons. */
function overallSignal (options: FetchOptions): { signal: AbortSignal, dispose (): void } {
  const controller = new AbortController()
  const onAbort = (): void => { controller.abort(new AbortError(options.signal?.reason)) }
  if (options.signal?.aborted === true) onAbort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const timeoutMs = options.timeoutMs
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => { controller.abort(new TimeoutError(timeoutMs)) }, timeoutMs)
  return {
    signal: controller.signal,
    dispose () {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
  }
}

/** Verified bytes to `onChunk`, in order, each byte once, whichever path supplied them. */
function chunkSink (onChunk: FetchOptions['onChunk']): { from (bytes: Uint8Array, start: number, end: number): void, finish (bytes: Uint8Array): void } {
  let sent = 0
  return {
    from (bytes, start, end) {
      if (onChunk === undefined || start > sent || end <= sent) return
      onChunk(bytes.subarray(sent, end), sent)
      sent = end
    },
    finish (bytes) {
      if (onChunk !== undefined && sent < bytes.length) onChunk(bytes.subarray(sent), sent)
      sent = bytes.length
    }
  }
}

async function torrentFile (ctx: FetchContext, manifest: Manifest, signal: AbortSignal): Promise<Uint8Array> {
  const response = await ctx.fetch(manifest.torrentUrl, { signal })
  const refusal = await refusalOf(response, manifest.torrentUrl)
  if (refusal !== undefined) throw refusal
  if (!response.ok) {
    await response.body?.cancel()
    throw new Error(`${manifest.torrentUrl}: HTTP ${response.status}`)
  }
  return new Uint8Array(await response.arrayBuffer())
}

/** Errors that end a fetch whatever other sources might say: the origin's own 404 / 410, and aborts. */
function isFinal (err: unknown): boolean {
  return err instanceof FedswarmError && (err.code === 'not_found' || err.code === 'media_deleted' || err.code === 'aborted' || err.code === 'timeout')
}

interface SwarmRaceOptions {
  ctx: FetchContext
  manifest: Manifest
  signal: AbortSignal
  headStartMs: number
  onBytes (path: 'swarm' | 'http', count: number): void
  onPrefix (bytes: Uint8Array, start: number, end: number): void
  dropped: Set<string>
}

async function swarmWithHttpRace (options: SwarmRaceOptions): Promise<Outcome> {
  const { ctx, manifest, signal } = options
  const sources = httpSources(manifest)
  const mirrors = sources.filter((s) => s.kind === 'mirror')
  const origin = sources.filter((s) => s.kind === 'origin')
  const { dropped } = options
  const httpOnly = (): Promise<Outcome> => httpFetch({ fetch: ctx.fetch, signal: race.signal, manifest, sources, dropped, onBytes: (n) => options.onBytes('http', n) })
    .then((r) => ({ ...r, via: 'http' as const }))
  // Aborted when the fetch ends, whoever won: stops the losing path.
  const race = new AbortController()
  const onAbort = (): void => { race.abort(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })

  let file: Uint8Array
  try {
    file = await torrentFile(ctx, manifest, race.signal)
  } catch (err) {
    if (signal.aborted) throw signal.reason
    if (isFinal(err)) throw err
    try { return await httpOnly() } finally { signal.removeEventListener('abort', onAbort) }
  }

  let client: Awaited<ReturnType<FetchContext['torrents']['acquire']>>
  try {
    client = await ctx.torrents.acquire()
  } catch {
    // No BitTorrent here (webtorrent would not load): plain HTTP it is.
    try { return await httpOnly() } finally { signal.removeEventListener('abort', onAbort) }
  }
  const bytes = new Uint8Array(manifest.size)
  let swarm: SwarmFetch | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  let keep = false
  try {
    if (signal.aborted) throw signal.reason
    let lastByteAt = Date.now()
    swarm = startSwarmFetch({
      client,
      manifest,
      torrentFile: file,
      item: { bytes, onPrefix: (start, end) => options.onPrefix(bytes, start, end) },
      share: ctx.share,
      mirrors: WEB_SEEDS ? mirrors : [],
      dropped,
      onBytes (n) {
        lastByteAt = Date.now()
        options.onBytes('swarm', n)
      }
    })
    const running = swarm
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      let httpStarted = false
      let httpError: unknown
      let swarmError: unknown
      const settleFailure = (): void => {
        // Both paths failed (or the swarm did and HTTP never will succeed): the most telling error wins.
        if (swarmError === undefined || (httpStarted && httpError === undefined)) return
        const errors = [httpError, swarmError]
        reject(errors.find(isFinal) ?? errors.find((e) => e instanceof IntegrityError) ?? httpError ?? swarmError)
      }
      const startHttp = (): void => {
        if (httpStarted) return
        httpStarted = true
        httpOnly().then(resolve, (err: unknown) => {
          httpError = err
          if (isFinal(err)) reject(err)
          else settleFailure()
        })
      }
      running.done.then(async (tally) => {
        if (await sha256Base64url(bytes) === manifest.sha256) resolve({ bytes, tally, via: 'swarm' })
        else throw new IntegrityError('the swarm\'s bytes do not match the manifest\'s sha256')
      }).catch((err: unknown) => {
        swarmError = err
        if (signal.aborted) return reject(signal.reason)
        startHttp()
        settleFailure()
      })
      let stage = 0
      timer = setInterval(() => {
        if (Date.now() - lastByteAt < options.headStartMs) return
        lastByteAt = Date.now()
        stage += 1
        if (stage === 1 && WEB_SEEDS) running.addWebSeeds(origin)
        else if (!httpStarted) startHttp()
        else if (httpError !== undefined) reject(httpError) // HTTP gave up and the swarm is stalled too
      }, Math.max(20, Math.min(250, options.headStartMs / 4)))
      race.signal.addEventListener('abort', () => { reject(race.signal.reason) }, { once: true })
    })
    keep = ctx.share && outcome.via === 'swarm'
    if (keep) await ctx.torrents.keep(manifest.infoHash, running.torrent, bytes)
    return outcome
  } finally {
    clearInterval(timer)
    signal.removeEventListener('abort', onAbort)
    race.abort(new AbortError('finished'))
    if (!keep) await swarm?.destroy()
    await ctx.torrents.release()
  }
}

export async function fetchWith (ctx: FetchContext, source: MediaSource, options: FetchOptions = {}): Promise<FetchResult> {
  const started = Date.now()
  const overall = overallSignal(options)
  const { signal } = overall
  let firstByteAt: number | undefined
  const received = { swarm: 0, http: 0 }
  let loaded = 0
  const dropped = new Set<string>()
  try {
    const manifest = await resolveManifest(source, { fetch: ctx.fetch, signal })
    const total = manifest.size
    const sink = chunkSink(options.onChunk)
    const onBytes = (path: 'swarm' | 'http', count: number): void => {
      firstByteAt ??= Date.now()
      received[path] += count
      const now = Math.min(total, Math.max(received.swarm, received.http))
      if (now > loaded) {
        loaded = now
        options.onProgress?.({ loaded, total })
      }
    }
    let outcome: Outcome
    const cached = ctx.torrents.shared(manifest.infoHash)
    if (cached !== undefined) {
      outcome = { bytes: cached, tally: { ...emptyTally(), fromCache: cached.length }, via: 'cache' }
      firstByteAt = Date.now()
    } else if (total > 0 && (options.swarm ?? total >= (options.swarmThreshold ?? DEFAULT_SWARM_THRESHOLD))) {
      outcome = await swarmWithHttpRace({
        ctx, manifest, signal, headStartMs: options.headStartMs ?? DEFAULT_HEAD_START_MS, onBytes, onPrefix: sink.from, dropped
      })
    } else {
      const result = await httpFetch({ fetch: ctx.fetch, signal, manifest, sources: httpSources(manifest), dropped, onBytes: (n) => onBytes('http', n) })
      outcome = { ...result, via: 'http' }
    }
    if (signal.aborted) throw signal.reason
    sink.finish(outcome.bytes)
    if (loaded < total) options.onProgress?.({ loaded: total, total })
    const finished = Date.now()
    return {
      bytes: outcome.bytes,
      manifest,
      report: {
        ...outcome.tally,
        timeToFirstByteMs: (firstByteAt ?? finished) - started,
        totalMs: finished - started,
        via: outcome.via,
        droppedSources: [...dropped]
      }
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason
    throw err
  } finally {
    overall.dispose()
  }
}
