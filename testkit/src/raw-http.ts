// HTTP exchanges as a hostile client makes them: the path sent exactly as
// given (no URL normalisation), raw bytes on a socket, and the checks every
// bad-input suite makes of the answer.

import assert from 'node:assert/strict'
import { request, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'

export interface RawResponse { status: number, headers: IncomingHttpHeaders, body: Buffer }

export interface RawRequest {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** Send the body but never end the request: the answer must come from the headers alone. */
  unfinished?: boolean
}

/** One HTTP/1.1 exchange on its own connection, bounded by `timeoutMs`. */
export function rawRequest (port: number, { method = 'GET', path, headers = {}, body, unfinished = false }: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  // Node's client sends the body of a GET, DELETE or OPTIONS without a length (the server would take it for the next request): say it.
  const framed = body === undefined || unfinished || Object.keys(headers).some((name) => /^(content-length|transfer-encoding)$/i.test(name))
    ? headers
    : { ...headers, 'content-length': String(Buffer.byteLength(body)) }
  return new Promise((resolve, reject) => {
    let settled = false
    const req = request({ host: '127.0.0.1', port, method, path, headers: framed, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        settled = true
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) })
        if (unfinished) req.destroy()
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path} in ${timeoutMs} ms`)))
    req.on('error', (err) => { if (!settled) reject(err) })
    if (unfinished) req.write(body ?? '')
    else req.end(body)
  })
}

/** Bytes written as they are on a fresh connection; the whole answer, as latin1 text, once the server closes (bounded by `timeoutMs`). */
export async function rawSocket (port: number, text: string | Buffer, timeoutMs = 10_000): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  const closed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`the server kept the connection open for ${timeoutMs} ms`)) }, timeoutMs)
    socket.on('close', () => { clearTimeout(timer); resolve() })
    // A server that answers before it read everything sent (a refused huge header) may reset the connection after its answer.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' && chunks.length > 0) return
      clearTimeout(timer)
      reject(err)
    })
  })
  socket.write(text)
  await closed
  return Buffer.concat(chunks).toString('latin1')
}

/** The status and JSON body of a raw answer read by rawSocket. */
export function parseRawAnswer (answer: string): { status: number, headers: string, body: string } {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(answer)
  assert.ok(match !== null, `not an HTTP/1.1 answer: ${JSON.stringify(answer.slice(0, 80))}`)
  const end = answer.indexOf('\r\n\r\n')
  return { status: Number(match[1]), headers: answer.slice(0, end), body: answer.slice(end + 4) }
}

/** Percent-encodes everything but RFC 3986 unreserved characters, byte by byte of the UTF-8 form. */
export function pct (text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')
}

/** A JSON `{error, message}` body (strings, no stack trace); returns it. */
export function assertJsonError (response: RawResponse, label: string): { error: string, message: string } {
  assert.match(String(response.headers['content-type']), /^application\/json/, `${label}: content-type ${String(response.headers['content-type'])}`)
  let body: unknown
  try { body = JSON.parse(response.body.toString('utf8')) } catch { assert.fail(`${label}: body is not JSON: ${response.body.toString('utf8').slice(0, 200)}`) }
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), label)
  const { error, message } = body as { error: unknown, message: unknown }
  assert.equal(typeof error, 'string', label)
  assert.equal(typeof message, 'string', label)
  assert.doesNotMatch(message as string, /\n\s+at /, `${label}: a stack trace in the message`)
  return { error: error as string, message: message as string }
}

/** Any answer: never 5xx, and every 4xx of a method with a body is a JSON {error, message}. */
export function assertOrderly (response: RawResponse, label: string, method = 'GET'): void {
  assert.ok(response.status < 500, `${label}: ${response.status} ${response.body.toString('utf8').slice(0, 300)}`)
  if (response.status >= 400 && method !== 'HEAD') assertJsonError(response, label)
}

export interface SlowClient {
  /** The server's answer, once it closed the connection whole, and when it did. */
  closed: Promise<{ answer: string, afterMs: number }>
}

/**
 * A connection that sends `start` and then, every `dripMs` if given, one
 * more byte of a header that never ends. It never closes its own side:
 * after the server's FIN it keeps writing, so only a server that closes the
 * connection whole (not just its sending half) ends it. Rejects if that
 * takes longer than `boundMs`.
 */
export function slowClient (port: number, start: string, boundMs: number, dripMs?: number): SlowClient {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  const opened = Date.now()
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  let drip: NodeJS.Timeout | undefined
  const poke = (): void => { if (socket.writable) socket.write('a') }
  const closed = new Promise<{ answer: string, afterMs: number }>((resolve, reject) => {
    const bound = setTimeout(() => { socket.destroy(); reject(new Error(`the server kept a slow connection open for ${boundMs} ms`)) }, boundMs)
    socket.on('close', () => {
      clearTimeout(bound)
      clearInterval(drip)
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), afterMs: Date.now() - opened })
    })
    // Writing to a connection the server closed whole is reset: that is the close awaited.
    socket.on('error', () => {})
    // Half closed by the server: a client that ignores its FIN goes on sending.
    socket.on('end', () => { clearInterval(drip); drip = setInterval(poke, 50) })
  })
  socket.write(start)
  if (dripMs !== undefined) drip = setInterval(poke, dripMs)
  return { closed }
}
