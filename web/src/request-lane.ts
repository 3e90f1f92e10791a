// A lane for the one request a role answers far more often than any other
// (the origin's GET /announce), read straight off the socket ahead of
// node:http. node:http costs about as much CPU per request as the whole
// announce behind it: its parser's JavaScript side, IncomingMessage,
// ServerResponse and its header handling. The lane takes only what is
// plainly such a request: a complete HTTP/1.1 GET of its path with a query,
// with none of the headers that change how a request is read (a body, an
// upgrade, an expectation). Anything else — a partial head, another path,
// another method, a request the lane's handler declines — goes to node:http
// with every byte not yet answered, on the same connection, once the lane's
// answers so far are written; node:http then applies all its own limits and
// errors. So the lane only ever speeds up what node:http would have answered
// with 200, and no odd request meets a parser of ours.

import type { Socket } from 'node:net'

export interface LaneRequest {
  /** The request target: the lane's path, '?', the query (printable ASCII only). */
  target: string
  /** The `X-Forwarded-For` header (several joined with ", " as node:http joins them). */
  forwardedFor: string | undefined
  socket: Socket
}

export interface Lane {
  /** The path (before '?') the lane answers. */
  path: string
  /** Header lines of every answer besides Date, Content-Length and Connection. */
  headers: ReadonlyArray<readonly [string, string]>
  /**
   * Answers with `reply` (now or later, exactly once; the body is a binary
   * string) and returns true, or declines and returns false having started
   * nothing: node:http then answers the request (as it does when `handle`
   * throws).
   */
  handle (request: LaneRequest, reply: (body: string) => void): boolean
}

/** A head longer than this goes to node:http (which refuses heads over 16 KiB). */
const MAX_HEAD = 8 * 1024
/** As node:http's keepAliveTimeout. */
const KEEP_ALIVE_MS = 5_000
const PRINTABLE_TARGET = /^[\x21-\x7e]+$/
/** A header name is a token (RFC 9110 §5.6.2); node:http refuses any other, and so must the lane (a `Content-Length ` it did not read would smuggle a body). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Control bytes node:http refuses in a header line. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/
const HEAD_END = '\r\n\r\n'
const VERSION = ' HTTP/1.1'

/** The `Date` header's value, made once a second. */
let dateSecond = -1
let dateValue = ''
function httpDate (): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateValue = new Date(now).toUTCString()
  }
  return dateValue
}

interface Head {
  request: LaneRequest
  close: boolean
}

/** A complete head the lane may take (request line and header block, without the final CRLF CRLF), or null. */
function readHead (text: string, start: number, end: number, prefix: string, socket: Socket): Head | null {
  if (end - start > MAX_HEAD || !text.startsWith(prefix, start)) return null
  const lineEnd = text.indexOf('\r\n', start)
  const lastLineEnd = lineEnd === -1 || lineEnd > end ? end : lineEnd
  if (!text.startsWith(VERSION, lastLineEnd - VERSION.length)) return null
  const target = text.slice(start + 4, lastLineEnd - VERSION.length)
  if (!PRINTABLE_TARGET.test(target)) return null
  let forwardedFor: string | undefined
  let close = false
  let host = false
  let at = lastLineEnd + 2
  while (at < end) {
    let next = text.indexOf('\r\n', at)
    if (next === -1 || next > end) next = end
    const colon = text.indexOf(':', at)
    // No colon, a name that is not a token (a line folded onto the one before), a control byte: node:http judges it.
    if (colon <= at || colon > next) return null
    const name = text.slice(at, colon)
    const value = text.slice(colon + 1, next)
    if (!HEADER_NAME.test(name) || CONTROL.test(value)) return null
    switch (name.toLowerCase()) {
      case 'host': host = true; break
      case 'connection': {
        const token = value.trim().toLowerCase()
        if (token === 'close') close = true
        else if (token !== 'keep-alive') return null
        break
      }
      case 'x-forwarded-for': forwardedFor = forwardedFor === undefined ? value.trim() : `${forwardedFor}, ${value.trim()}`; break
      case 'content-length': case 'transfer-encoding': case 'upgrade': case 'expect': return null
    }
    at = next + 2
  }
  // node:http refuses an HTTP/1.1 request without Host.
  if (!host) return null
  return { request: { target, forwardedFor, socket }, close }
}

/**
 * Reads requests off a new connection with `lane`, and hands the connection
 * to `handOff` (node:http's own connection listener) with the bytes the
 * lane did not answer, as soon as one is not the lane's.
 */
export function acceptLaneConnection (socket: Socket, lane: Lane, handOff: (socket: Socket) => void, headersTimeoutMs: number): void {
  const prefix = `GET ${lane.path}?`
  const fixedHeaders = lane.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')
  /** Answers in request order: a later one may be ready first. */
  const answers: Array<string | undefined> = []
  let answered = 0
  let closeAfter = -1
  /** Bytes not yet read as requests: waiting for answers before going to node:http, or before closing. */
  let held: Buffer | null = null
  let leaving = false
  /** The client sent its last byte (half-close): closed once every answer is out, as node:http does. */
  let ended = false

  const write = (): void => {
    let out = ''
    while (answered < answers.length && answers[answered] !== undefined) {
      const body = answers[answered]!
      const closing = answered === closeAfter
      out += `HTTP/1.1 200 OK\r\nDate: ${httpDate()}\r\n${fixedHeaders}Content-Length: ${body.length}\r\n${closing ? 'Connection: close' : 'Connection: keep-alive\r\nKeep-Alive: timeout=5'}\r\n\r\n${body}`
      answers[answered] = undefined
      answered += 1
    }
    if (out !== '' && !socket.destroyed) socket.write(out, 'latin1')
    if (answered === answers.length) {
      answers.length = 0
      answered = 0
      if (closeAfter !== -1 || ended) {
        if (!socket.writableEnded) socket.end(() => socket.destroy())
      } else if (leaving) leave()
    }
  }

  const leave = (): void => {
    socket.off('data', onData)
    socket.off('timeout', onTimeout)
    socket.off('error', onError)
    socket.off('end', onEnd)
    socket.setTimeout(0)
    socket.pause()
    if (held !== null) socket.unshift(held)
    held = null
    handOff(socket)
    socket.resume()
  }

  /** The lane's handler takes the request (its answer goes to `slot`) or declines it; one that throws declines, and node:http answers (its error handling then meets the fault). */
  const offer = (request: LaneRequest, slot: number): boolean => {
    let taken = true
    const reply = (body: string): void => {
      if (!taken) return
      answers[slot] = body
      write()
    }
    try {
      taken = lane.handle(request, reply)
    } catch {
      taken = false
    }
    return taken
  }

  const read = (chunk: Buffer): void => {
    const text = chunk.toString('latin1')
    let at = 0
    while (at < text.length) {
      const end = text.indexOf(HEAD_END, at)
      const head = end === -1 ? null : readHead(text, at, end, prefix, socket)
      const slot = answers.length
      if (head !== null) {
        answers.push(undefined)
        if (head.close) closeAfter = slot
      }
      if (head === null || !offer(head.request, slot)) {
        if (head !== null) answers.pop()
        closeAfter = -1
        held = chunk.subarray(at)
        leaving = true
        if (answered === answers.length) leave()
        return
      }
      at = end + HEAD_END.length
      if (head.close) {
        // Whatever follows a `Connection: close` request is not read, as node:http does.
        socket.off('data', onData)
        return
      }
    }
  }

  function onData (chunk: Buffer): void {
    if (leaving) held = held === null ? chunk : Buffer.concat([held, chunk])
    else read(chunk)
  }
  // Idle (or an answer that never came) as long as node:http lets a kept-alive connection idle, or a new one send nothing.
  function onTimeout (): void { socket.destroy() }
  function onError (): void { socket.destroy() }
  function onEnd (): void {
    ended = true
    if (answered === answers.length) write()
  }

  socket.setNoDelay(true)
  socket.setTimeout(Math.min(KEEP_ALIVE_MS, headersTimeoutMs))
  socket.on('timeout', onTimeout)
  socket.on('error', onError)
  socket.on('end', onEnd)
  socket.on('data', onData)
}
