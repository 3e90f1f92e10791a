// The HTTP sources of an item and the tally of where verified bytes came from.

import type { FetchReport, Manifest } from './types.ts'

export type SourceKind = 'origin' | 'mirror'

export interface HttpSource {
  url: string
  kind: SourceKind
}

/** Mirrors first (shuffled, so clients spread over them), then the origin's URLs. */
export function httpSources (manifest: Manifest, random: () => number = Math.random): HttpSource[] {
  const mirrors = [...new Set(manifest.mirrors)]
  for (let i = mirrors.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[mirrors[i], mirrors[j]] = [mirrors[j]!, mirrors[i]!]
  }
  const origin = [...new Set([manifest.url, ...manifest.webSeeds])].filter((url) => !mirrors.includes(url))
  return [...mirrors.map((url) => ({ url, kind: 'mirror' as const })), ...origin.map((url) => ({ url, kind: 'origin' as const }))]
}

export type Tally = Pick<FetchReport, 'fromPeers' | 'fromMirrors' | 'fromOrigin' | 'fromCache'>

export function emptyTally (): Tally {
  return { fromPeers: 0, fromMirrors: 0, fromOrigin: 0, fromCache: 0 }
}

export type ByteOrigin = 'peers' | SourceKind

export function addTo (tally: Tally, from: ByteOrigin, bytes: number): void {
  if (from === 'peers') tally.fromPeers += bytes
  else if (from === 'mirror') tally.fromMirrors += bytes
  else tally.fromOrigin += bytes
}
