// Small proxies that put a fault between two real processes: a TCP proxy
// that can drop every connection and stop listening (a database restart, seen
// from its clients), and an HTTP reverse proxy that forwards everything except
// the paths it is told to cut (a tracker blocked by a firewall), and one in
// front of a seeder's mirror that counts requests and can alter answers.

import { request, createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http'
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net'

function listen (server: Server | HttpServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function close (server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

export interface TcpProxy {
  /** The port it listens on; the same after `up()`. */
  readonly port: number
  /** Connections accepted so far. */
  readonly accepted: number
  /** Destroys every proxied connection (both sides) and stops listening: new connections are refused. */
  down (): Promise<void>
  /** Listens again on the same port. */
  up (): Promise<void>
  close (): Promise<void>
}

/** Forwards every connection to `target` on 127.0.0.1; port 0 picks a free one. */
export async function startTcpProxy (target: { host: string, port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  const newServer = (): Server => createServer((client) => {
    accepted++
    const upstream = createConnection(target)
    track(client)
    track(upstream)
    // A reset on one side ends the other: the proxy never outlives either end.
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.pipe(upstream).pipe(client)
  })
  let server: Server | undefined = newServer()
  const port = await listen(server, 0)

  const down = async (): Promise<void> => {
    if (server === undefined) return
    const closing = close(server)
    server = undefined
    for (const socket of sockets) socket.destroy()
    await closing
  }
  return {
    port,
    get accepted () { return accepted },
    down,
    async up () {
      if (server !== undefined) return
      server = newServer()
      await listen(server, port)
    },
    close: down
  }
}

export interface HttpProxy {
  url: string
  /** Requests (and WebSocket upgrades) cut, by path. */
  readonly cut: Map<string, number>
  /** The paths cut from now on: add one to cut it later in a test. */
  readonly cutting: Set<string>
  close (): Promise<void>
}

/**
 * A reverse proxy to `target` (http://127.0.0.1:PORT) that forwards every
 * request as it is, Host header included, except those whose path is in
 * `cutPaths`: their socket is destroyed without an answer, as a firewall
 * that drops them would. WebSocket upgrades to a cut path are destroyed the
 * same way; other upgrades are refused (this proxy does not relay them).
 */
export async function startHttpProxy (target: string, cutPaths: string[]): Promise<HttpProxy> {
  const base = new URL(target)
  const cut = new Map<string, number>()
  const cutting = new Set(cutPaths)
  const count = (req: IncomingMessage): boolean => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname
    if (!cutting.has(path)) return false
    cut.set(path, (cut.get(path) ?? 0) + 1)
    return true
  }
  const server = createHttpServer((req, res) => {
    if (count(req)) {
      req.socket.destroy()
      return
    }
    const upstream = request({ host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    })
    upstream.on('error', () => {
      if (res.headersSent) res.destroy()
      else res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"bad_gateway","message":"the proxy could not reach the origin"}')
    })
    req.pipe(upstream)
    // A client that leaves (an event stream closed) ends its upstream request too.
    res.on('close', () => upstream.destroy())
  })
  server.on('upgrade', (req, socket) => {
    count(req)
    socket.destroy()
  })
  const port = await listen(server, 0)
  return {
    url: `http://127.0.0.1:${port}`,
    cut,
    cutting,
    async close () {
      server.closeAllConnections()
      await close(server)
    }
  }
}

export interface MirrorProxy {
  url: string
  /** Requests forwarded, by user agent. */
  readonly requests: Map<string, number>
  /** Answers altered, by user agent. */
  readonly altered: Map<string, number>
  close (): Promise<void>
}

/**
 * A reverse proxy in front of a seeder's mirror, as its public URL: counts
 * requests by user agent and, for requests whose user agent is `alterFor`,
 * flips one byte of each answer's body (a mirror that serves everyone but
 * the origin altered bytes, so the origin's own checks pass).
 */
export async function startMirrorProxy (target: string, options: { alterFor?: string } = {}): Promise<MirrorProxy> {
  const base = new URL(target)
  const requests = new Map<string, number>()
  const altered = new Map<string, number>()
  const bump = (counts: Map<string, number>, agent: string): void => { counts.set(agent, (counts.get(agent) ?? 0) + 1) }
  const server = createHttpServer((req, res) => {
    const agent = req.headers['user-agent'] ?? ''
    bump(requests, agent)
    const upstream = request({ host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
      let flip = agent === options.alterFor && answer.statusCode !== undefined && answer.statusCode < 300
      if (flip) bump(altered, agent)
      answer.on('data', (chunk: Buffer) => {
        if (flip && chunk.length > 0) {
          chunk[0]! ^= 0xff
          flip = false
        }
        res.write(chunk)
      })
      answer.on('end', () => res.end())
      answer.on('error', () => res.destroy())
    })
    upstream.on('error', () => {
      if (res.headersSent) res.destroy()
      else res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"bad_gateway","message":"the proxy could not reach the mirror"}')
    })
    req.pipe(upstream)
    res.on('close', () => upstream.destroy())
  })
  const port = await listen(server, 0)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    altered,
    async close () {
      server.closeAllConnections()
      await close(server)
    }
  }
}
