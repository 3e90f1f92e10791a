import type { Duplex } from 'node:stream'
import type { ErrorBody } from '@fedswarm/protocol'

/**
 * For Node's 'clientError': requests its HTTP parser refuses (headers over
 * 16 KB, a Content-Length it cannot hold, garbage) still get a JSON error.
 */
export function answerClientError (err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW'
  const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
  const status = tooLarge ? 431 : timeout ? 408 : 400
  const body: ErrorBody = tooLarge
    ? { error: 'headers_too_large', message: 'the request headers are larger than 16 KB' }
    : timeout
      ? { error: 'request_timeout', message: 'the request took too long to arrive' }
      : { error: 'bad_request', message: 'the request is not valid HTTP/1.1' }
  const text = JSON.stringify(body)
  const reason = tooLarge ? 'Request Header Fields Too Large' : timeout ? 'Request Timeout' : 'Bad Request'
  // Closed whole once the answer is out: the server's sockets allow half-open connections, so end() alone would
  // leave the connection (and its file descriptor) to a client that ignores the FIN for as long as it likes.
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`, () => socket.destroy())
}
