// A plain fetcher that behaves like Mastodon's media download (its Request
// class: at most 2 redirects followed, 10 s per read, the whole response of a
// hop within a 30 s read deadline). It never gives up itself: it fetches to the
// end, records what Mastodon would have done, and the storm counts those.

import { createHash } from 'node:crypto'

export const MASTODON_LIMITS = { maxRedirects: 2, readTimeoutMs: 10_000, readDeadlineMs: 30_000 } as const

/** What one fetch went through, for the give-up rule. */
export interface FetchTrace {
  /** Redirects followed. */
  redirects: number
  /** Longest wait for the next bytes (headers or a body chunk) on any hop, ms. */
  longestReadGapMs: number
  /** Longest hop, from its request to its last byte, ms. */
  longestHopMs: number
}

/** Why Mastodon would have given this fetch up, or undefined when it would have kept it. */
export function giveUpReason (trace: FetchTrace, limits = MASTODON_LIMITS): string | undefined {
  if (trace.redirects > limits.maxRedirects) return `${trace.redirects} redirects (at most ${limits.maxRedirects})`
  if (trace.longestReadGapMs > limits.readTimeoutMs) return `a read waited ${Math.round(trace.longestReadGapMs / 100) / 10} s (at most ${limits.readTimeoutMs / 1000} s)`
  if (trace.longestHopMs > limits.readDeadlineMs) return `a response took ${Math.round(trace.longestHopMs / 100) / 10} s (deadline ${limits.readDeadlineMs / 1000} s)`
  return undefined
}

export interface PlainFetchResult extends FetchTrace {
  /** Seconds from the start of the fetch to the last byte verified. */
  seconds: number
  /** The host that sent the body. */
  servedBy: string
  verified: boolean
  givenUp?: string
  error?: string
}

/** Hops followed at most here, beyond Mastodon's limit, so that the time of a longer chain is still measured. */
const MAX_HOPS_MEASURED = 5

/** GETs `url` hop by hop (redirects followed by hand, to time each), checks the body's SHA-256 (base64url) against `sha256`. */
export async function mastodonFetch (url: string, sha256: string, timeoutMs: number): Promise<PlainFetchResult> {
  const started = performance.now()
  const trace: FetchTrace = { redirects: 0, longestReadGapMs: 0, longestHopMs: 0 }
  const signal = AbortSignal.timeout(Math.round(timeoutMs))
  let next = url
  try {
    for (;;) {
      const hopStarted = performance.now()
      const response = await fetch(next, { redirect: 'manual', signal, headers: { 'user-agent': 'fedswarm-bench (like Mastodon)' } })
      let last = performance.now()
      trace.longestReadGapMs = Math.max(trace.longestReadGapMs, last - hopStarted)
      const location = response.headers.get('location')
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel()
        trace.longestHopMs = Math.max(trace.longestHopMs, performance.now() - hopStarted)
        if (trace.redirects >= MAX_HOPS_MEASURED) throw new Error(`more than ${MAX_HOPS_MEASURED} redirects`)
        trace.redirects++
        next = new URL(location, next).toString()
        continue
      }
      if (response.status !== 200 || response.body === null) throw new Error(`GET ${next} answered ${response.status}`)
      const hash = createHash('sha256')
      for await (const chunk of response.body) {
        const now = performance.now()
        trace.longestReadGapMs = Math.max(trace.longestReadGapMs, now - last)
        last = now
        hash.update(chunk)
      }
      trace.longestHopMs = Math.max(trace.longestHopMs, performance.now() - hopStarted)
      const verified = hash.digest('base64url') === sha256
      const result: PlainFetchResult = { ...trace, seconds: (performance.now() - started) / 1000, servedBy: new URL(next).host, verified }
      const reason = giveUpReason(trace)
      if (reason !== undefined) result.givenUp = reason
      if (!verified) result.error = `GET ${next}: sha256 mismatch`
      return result
    }
  } catch (err) {
    return { ...trace, seconds: (performance.now() - started) / 1000, servedBy: new URL(next).host, verified: false, givenUp: giveUpReason(trace) ?? 'failed', error: (err as Error).message }
  }
}
