// Replies of the tracker's HTTP routes: JSON, and the bencoded bodies BitTorrent clients read.
// Every one says nosniff: none is a document, whoever mounts the tracker.

import type { ServerResponse } from 'node:http'
import type { ErrorBody } from '@fedswarm/protocol'
import type { TrackerHttpError } from './errors.ts'

export function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers
  })
  res.end(text)
}

export function sendError (res: ServerResponse, err: TrackerHttpError, headers: Record<string, string> = {}): void {
  const body: ErrorBody = { error: err.code, message: err.message }
  sendJson(res, err.status, body, headers)
}

/** The headers of a bencoded answer besides Content-Length (also those of the HTTP server's lane). */
export const BENCODED_HEADERS: ReadonlyArray<readonly [string, string]> = [['Content-Type', 'text/plain'], ['Cache-Control', 'no-store'], ['X-Content-Type-Options', 'nosniff']]
const BENCODED_HEAD = BENCODED_HEADERS.flat()

/**
 * A bencoded answer, HTTP 200 even for a `failure reason`, as BitTorrent
 * clients expect. The body is a binary (latin1) string: Node then sends it
 * with the headers in one write, where a Buffer takes two.
 */
export function sendBencoded (res: ServerResponse, body: string): void {
  res.writeHead(200, [...BENCODED_HEAD, 'Content-Length', String(body.length)])
  res.end(body, 'latin1')
}
