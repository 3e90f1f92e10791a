// Small HTTP servers that pose as sources for SDK tests: a mirror that sends
// the right number of wrong bytes, and one that sends a few bytes and stalls.

import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface TestServer {
  url: string
  /** Bodies started (requests answered with bytes). */
  readonly served: number
  close (): Promise<void>
}

async function listen (handler: http.RequestListener, counter: { served: number }): Promise<TestServer> {
  const sockets = new Set<Socket>()
  const server = http.createServer(handler)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get served () { return counter.served },
    async close () {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** Serves `target`'s bytes (Range passed on) with one bit flipped in every body: a mirror gone bad. */
export async function startFlippingMirror (target: string): Promise<TestServer> {
  const counter = { served: 0 }
  return await listen(async (req, res) => {
    const range = req.headers.range
    const upstream = await fetch(target, { headers: range === undefined ? {} : { range } })
    const body = Buffer.from(await upstream.arrayBuffer())
    if (body.length > 0) body[body.length >> 1]! ^= 0x01
    counter.served += 1
    const headers: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream', 'access-control-allow-origin': '*' }
    const contentRange = upstream.headers.get('content-range')
    if (contentRange !== null) headers['content-range'] = contentRange
    res.writeHead(upstream.status, headers).end(req.method === 'HEAD' ? undefined : body)
  }, counter)
}

/** Answers 200 with the full length announced, sends `firstBytes` bytes, then nothing more. */
export async function startStallingServer (size: number, firstBytes = 1024): Promise<TestServer> {
  const counter = { served: 0 }
  return await listen((_req, res) => {
    counter.served += 1
    res.writeHead(200, { 'content-length': String(size), 'access-control-allow-origin': '*' })
    res.write(Buffer.alloc(Math.min(firstBytes, size)))
  }, counter)
}

/** Answers every request with `status` and a JSON error, as a failing server does. */
export async function startFailingServer (status = 503): Promise<TestServer> {
  const counter = { served: 0 }
  return await listen((_req, res) => {
    counter.served += 1
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end('{"error":"unavailable"}')
  }, counter)
}
