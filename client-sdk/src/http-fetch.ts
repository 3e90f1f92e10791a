// Whole-item fetches over plain HTTP: each source in turn, every result
// checked against the manifest's sha256 before it is accepted. A source that
// sends other bytes is dropped; one that cannot serve is skipped; a 404 or
// 410 from the origin itself ends the fetch with the origin's reason.

import { sha256Base64url } from './digest.ts'
import { IntegrityError, UnavailableError } from './errors.ts'
import { refusalOf } from './manifest.ts'
import { addTo, emptyTally, type HttpSource, type Tally } from './sources.ts'
import type { Manifest } from './types.ts'

export interface HttpFetchOptions {
  fetch: typeof globalThis.fetch
  signal: AbortSignal
  manifest: Manifest
  sources: HttpSource[]
  /** URLs already known to send bad bytes (shared with the swarm); more are added here. */
  dropped: Set<string>
  /** Bytes as they arrive, not yet verified. */
  onBytes (count: number): void
}

export interface HttpOutcome {
  bytes: Uint8Array
  tally: Tally
}

class BadSource extends Error {}

/** Streams one response into a buffer of exactly the manifest's size. */
async function readExactly (response: Response, size: number, onBytes: (count: number) => void): Promise<Uint8Array> {
  const buffer = new Uint8Array(size)
  let at = 0
  if (response.body === null) throw new BadSource('no body')
  const reader = response.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (at + value.length > size) throw new BadSource(`more than ${size} bytes`)
      buffer.set(value, at)
      at += value.length
      onBytes(value.length)
    }
  } catch (err) {
    await reader.cancel().catch(() => {})
    throw err
  }
  if (at !== size) throw new BadSource(`${at} of ${size} bytes`)
  return buffer
}

/** Where the bytes really came from: an origin URL redirected to another host was answered by a mirror. */
function kindOf (source: HttpSource, response: Response): HttpSource['kind'] {
  if (source.kind === 'origin' && response.redirected && response.url !== '' && new URL(response.url).host !== new URL(source.url).host) return 'mirror'
  return source.kind
}

export async function httpFetch (options: HttpFetchOptions): Promise<HttpOutcome> {
  const { signal, manifest } = options
  const failures: string[] = []
  let badBytes = 0
  for (const source of options.sources) {
    if (options.dropped.has(source.url)) continue
    if (signal.aborted) throw signal.reason
    let response: Response
    try {
      response = await options.fetch(source.url, { signal })
    } catch (err) {
      if (signal.aborted) throw signal.reason
      failures.push(`${source.url}: ${(err as Error).message}`)
      continue
    }
    if (source.kind === 'origin') {
      const refusal = await refusalOf(response, source.url)
      if (refusal !== undefined) throw refusal
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {})
      failures.push(`${source.url}: HTTP ${response.status}`)
      continue
    }
    try {
      const bytes = await readExactly(response, manifest.size, options.onBytes)
      if (await sha256Base64url(bytes) !== manifest.sha256) throw new BadSource('sha256 mismatch')
      const tally = emptyTally()
      addTo(tally, kindOf(source, response), bytes.length)
      return { bytes, tally }
    } catch (err) {
      if (signal.aborted) throw signal.reason
      if (!(err instanceof BadSource)) {
        failures.push(`${source.url}: ${(err as Error).message}`)
        continue
      }
      badBytes += 1
      options.dropped.add(source.url)
      failures.push(`${source.url}: ${err.message} (dropped)`)
    }
  }
  const summary = failures.length === 0 ? 'no source left' : failures.join('; ')
  if (badBytes > 0) throw new IntegrityError(`no source sent bytes matching the manifest's sha256: ${summary}`)
  throw new UnavailableError(`no HTTP source could serve ${manifest.id}: ${summary}`)
}
