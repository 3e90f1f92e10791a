import type { ServerResponse } from 'node:http'
import type { ErrorBody } from '@fedswarm/protocol'

/** A JSON error written straight to a response, for answers made outside Express (its error handler does the rest). */
export function sendJsonError (res: ServerResponse, status: number, body: ErrorBody, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...headers, 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) })
  res.end(text)
}
