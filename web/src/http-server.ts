import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { answerClientError } from './client-error.ts'

export interface HttpServerOptions {
  host: string
  port: number
  log: Logger
  /** Longest time a whole request may take (uploads need long ones). */
  requestTimeoutMs: number
}

/**
 * A role's HTTP server, listening before its application is built: it
 * answers 503 until `setHandler`, so a role can listen first (to learn its
 * port) and stop last. Bounded header time, JSON for requests Node refuses.
 */
export interface HttpServer {
  server: Server
  port: number
  setHandler (handler: RequestListener): void
  /** Closes the listener and every connection; resolves when closed. */
  close (): Promise<void>
}

export async function listenHttp (options: HttpServerOptions): Promise<HttpServer> {
  let handle: RequestListener = (_req, res) => { res.writeHead(503, { 'Retry-After': '1' }).end() }
  const server = createServer({ headersTimeout: 20_000, requestTimeout: options.requestTimeoutMs }, (req, res) => handle(req, res))
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
  return {
    server,
    port: (server.address() as AddressInfo).port,
    setHandler (handler) { handle = handler },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}
