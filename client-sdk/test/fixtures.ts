// Test support: manifests for bytes made here, and a fetch that answers from
// a table of URLs, so the SDK's logic runs without any server.

import { createHash } from 'node:crypto'
import type { Manifest } from '../src/index.ts'

export function manifestFor (bytes: Uint8Array, overrides: Partial<Manifest> = {}): Manifest {
  const base = 'http://origin.test'
  return {
    type: 'fedswarm.manifest/1',
    id: '01JD3TESTTESTTESTTESTTESTT',
    mediaType: 'image/png',
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('base64url'),
    digestMultibase: 'zQm',
    infoHash: 'ab'.repeat(20),
    pieceLength: 16384,
    url: `${base}/media/01JD3TESTTESTTESTTESTTESTT`,
    torrentUrl: `${base}/media/01JD3TESTTESTTESTTESTTESTT.torrent`,
    magnet: 'magnet:?xt=urn:btih:' + 'ab'.repeat(20),
    trackers: [`${base}/announce`],
    webSeeds: [`${base}/media/01JD3TESTTESTTESTTESTTESTT`],
    mirrors: [],
    createdAt: '2026-11-21T10:00:00.000Z',
    ...overrides
  }
}

export type Route = (init: RequestInit | undefined) => Response | Promise<Response>

/** A fetch over a table of `METHOD url` (or just `url`, any method) → answer; anything else is a network error. Records every call. */
export function tableFetch (routes: Record<string, Route>): typeof fetch & { calls: string[] } {
  const calls: string[] = []
  const fn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input)
    const method = init?.method ?? 'GET'
    calls.push(`${method} ${url}`)
    if (init?.signal?.aborted === true) throw init.signal.reason
    const route = routes[`${method} ${url}`] ?? routes[url]
    if (route === undefined) throw new TypeError('fetch failed')
    return await route(init)
  }
  return Object.assign(fn as typeof fetch, { calls })
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
export const bytesOf = (bytes: Uint8Array): Response => new Response(new Uint8Array(bytes), { status: 200 })
