import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Logger } from 'pino'
import { answerClientError } from './client-error.ts'
import { sendJsonError } from './json-error.ts'
import { acceptLaneConnection, type Lane } from './request-lane.ts'

export interface HttpServerOptions {
  host: string
  port: number
  log: Logger
  /** Longest time a whole request may take (uploads need long ones). */
  requestTimeoutMs: number
  /** Longest time the request line and headers may take to arrive (slow clients); default 20 s. */
  headersTimeoutMs?: number
}

const DEFAULT_HEADERS_TIMEOUT_MS = 20_000

/**
 * A role's HTTP server, listening before its application is built: it
 * answers 503 until `setHandler`, so a role can listen first (to learn its
 * port) and stop last. Bounded header time, JSON for requests Node refuses.
 */
export interface HttpServer {
  server: Server
  port: number
  setHandler (handler: RequestListener): void
  /** Reads the lane's requests off new connections ahead of node:http (request-lane.ts); once per server. */
  setLane (lane: Lane): void
  /** Closes the listener and every connection; resolves when closed. */
  close (): Promise<void>
}

export async function listenHttp (options: HttpServerOptions): Promise<HttpServer> {
  let handle: RequestListener = (_req, res) => { res.writeHead(503, { 'Retry-After': '1' }).end() }
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS
  // Node checks the timeouts only every connectionsCheckingInterval (30 s by default), which would let a
  // header that never ends hold its socket for up to 50 s: check at a quarter of the headers timeout instead.
  const connectionsCheckingInterval = Math.max(100, Math.min(5_000, Math.floor(headersTimeout / 4)))
  const server = createServer({ headersTimeout, requestTimeout: options.requestTimeoutMs, connectionsCheckingInterval }, (req, res) => {
    // Express reads a target starting with `//` as a host and user (url.parse's protocol-relative form), and throws
    // on some (`//%@x`) or finds no path, and its final handler answers in HTML. No route of ours starts so.
    if (req.url?.startsWith('//') === true) sendJsonError(res, 400, { error: 'bad_request', message: 'the request target starts with //: no path of this server does' })
    else handle(req, res)
  })
  server.on('clientError', answerClientError)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(Object.assign(new Error(`cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message} (set --port or PORT)`), { code: err.code }))
    })
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error')
      server.on('error', (err) => options.log.error({ err }, 'HTTP server error'))
      resolve()
    })
  })
  /** Connections the lane reads: node:http does not know them until handed over. */
  const inLane = new Set<Socket>()
  return {
    server,
    port: (server.address() as AddressInfo).port,
    setHandler (handler) { handle = handler },
    setLane (lane) {
      // node:http's own connection listener (http.Server adds exactly one): the lane hands it what it does not answer.
      const listeners = server.listeners('connection') as Array<(socket: Socket) => void>
      if (listeners.length !== 1) throw new Error(`setLane: expected node:http's one connection listener, found ${listeners.length}`)
      const toNode = listeners[0]!
      server.removeListener('connection', toNode)
      server.on('connection', (socket: Socket) => {
        inLane.add(socket)
        socket.once('close', () => inLane.delete(socket))
        acceptLaneConnection(socket, lane, () => {
          inLane.delete(socket)
          toNode.call(server, socket)
        }, headersTimeout)
      })
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
      for (const socket of inLane) socket.destroy()
    })
  }
}
