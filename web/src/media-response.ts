import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PassThrough, Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { decideRange } from './http-range.ts'
import { sendJsonError } from './json-error.ts'

/** Inclusive byte range, as in HTTP. */
export interface ByteRange {
  start: number
  end: number
}

/** What a media response needs to know of the bytes it sends. */
export interface Representation {
  size: number
  mediaType: string
  /** Strong validator, quoted: `"<sha256>"`. */
  etag: string
  lastModified: Date
  /** Extra headers (the `Link` to the manifest). */
  headers: Record<string, string>
  read (range?: ByteRange): Promise<Readable>
  /**
   * The streams the body passes through to honour the role's upload cap (the same token bucket as its swarm
   * uploads; a seeder's mirror adds its origin's part of the cap first: seeder/src/upload-shares.ts).
   */
  throttle? (): NodeJS.ReadWriteStream | NodeJS.ReadWriteStream[]
}

/**
 * Headers that make media safe to serve from any origin: never sniffed into
 * HTML, no script can run even if a browser renders it, cacheable forever
 * because the bytes under a URL never change.
 */
export const SAFE_MEDIA_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, ETag, Link, Accept-Ranges',
  'Referrer-Policy': 'no-referrer'
}

const IMMUTABLE = 'public, max-age=31536000, immutable'

/**
 * Sends `rep` for a GET or HEAD with RFC 9110 conditional and range
 * semantics: 200, 206 (one range or multipart/byteranges), 304, and the
 * JSON errors 412 and 416. Calls `onBytes` with the body bytes actually
 * written, for egress metrics.
 */
export async function sendRepresentation (req: IncomingMessage, res: ServerResponse, rep: Representation, onBytes: (n: number) => void): Promise<void> {
  const headers: Record<string, string> = {
    ...SAFE_MEDIA_HEADERS,
    ...rep.headers,
    ETag: rep.etag,
    'Last-Modified': rep.lastModified.toUTCString(),
    'Cache-Control': IMMUTABLE,
    'Accept-Ranges': 'bytes'
  }
  const ifMatch = req.headers['if-match']
  if (ifMatch !== undefined && !etagListMatches(ifMatch, rep.etag, false)) {
    sendJsonError(res, 412, { error: 'precondition_failed', message: 'If-Match does not match the current ETag' }, headers)
    return
  }
  const ifNoneMatch = req.headers['if-none-match']
  const notModified = ifNoneMatch !== undefined
    ? etagListMatches(ifNoneMatch, rep.etag, true)
    : notModifiedSince(req.headers['if-modified-since'], rep.lastModified)
  if (notModified) {
    res.writeHead(304, headers).end()
    return
  }

  let decision = decideRange(req.headers.range, rep.size)
  // If-Range: a range only when the client's copy is still this one.
  const ifRange = req.headers['if-range']?.toString()
  if (ifRange !== undefined && decision.kind !== 'full' && ifRange.trim() !== rep.etag && !sameDate(ifRange, rep.lastModified)) {
    decision = { kind: 'full' }
  }
  const head = req.method === 'HEAD'
  if (decision.kind === 'unsatisfiable') {
    sendJsonError(res, 416, {
      error: 'range_not_satisfiable', message: `the Range header asks for bytes outside 0-${rep.size - 1}, or is malformed`
    }, { ...headers, 'Content-Range': `bytes */${rep.size}` })
    return
  }
  if (decision.kind === 'full') {
    res.writeHead(200, { ...headers, 'Content-Type': rep.mediaType, 'Content-Length': String(rep.size) })
    if (head) { res.end(); return }
    await sendBody(await rep.read(), rep.size, rep, onBytes, res)
    return
  }
  const [only] = decision.ranges
  if (decision.ranges.length === 1 && only !== undefined) {
    res.writeHead(206, {
      ...headers,
      'Content-Type': rep.mediaType,
      'Content-Length': String(only.end - only.start + 1),
      'Content-Range': `bytes ${only.start}-${only.end}/${rep.size}`
    })
    if (head) { res.end(); return }
    await sendBody(await rep.read(only), only.end - only.start + 1, rep, onBytes, res)
    return
  }
  await sendMultipart(res, rep, decision.ranges, headers, head, onBytes)
}

async function sendMultipart (res: ServerResponse, rep: Representation, ranges: ByteRange[], headers: Record<string, string>, head: boolean, onBytes: (n: number) => void): Promise<void> {
  const boundary = `fedswarm-${randomBytes(12).toString('hex')}`
  const partHead = (range: ByteRange, first: boolean): string =>
    `${first ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${rep.mediaType}\r\nContent-Range: bytes ${range.start}-${range.end}/${rep.size}\r\n\r\n`
  const tail = `\r\n--${boundary}--\r\n`
  const length = ranges.reduce((sum, range, i) => sum + Buffer.byteLength(partHead(range, i === 0)) + range.end - range.start + 1, 0) + tail.length
  res.writeHead(206, { ...headers, 'Content-Type': `multipart/byteranges; boundary=${boundary}`, 'Content-Length': String(length) })
  if (head) { res.end(); return }
  async function * parts (): AsyncGenerator<Buffer> {
    for (const [i, range] of ranges.entries()) {
      yield Buffer.from(partHead(range, i === 0))
      yield * (await rep.read(range)).pipe(exactly(range.end - range.start + 1))
    }
    yield Buffer.from(tail)
  }
  await sendBody(Readable.from(parts()), length, rep, onBytes, res)
}

/**
 * Passes exactly `length` bytes: a store that sends more than the range asked
 * for (some S3-compatible servers do) cannot break the framing, and one that
 * sends less fails the response instead of leaving it short.
 */
function exactly (length: number): Transform {
  let left = length
  return new Transform({
    transform (chunk: Buffer, _encoding, callback) {
      if (left <= 0) return callback()
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk
      left -= part.length
      callback(null, part)
    },
    flush (callback) {
      callback(left > 0 ? new Error(`the store sent ${length - left} of ${length} bytes`) : null)
    }
  })
}

/** `length` bytes of `source` through the role's upload cap to `res`. */
async function sendBody (source: Readable, length: number, rep: Representation, onBytes: (n: number) => void, res: ServerResponse): Promise<void> {
  const throttles = [rep.throttle?.() ?? []].flat()
  if (throttles.length === 0) return copyExactly(source, length, onBytes, res)
  try {
    await pipeline([source, exactly(length), ...throttles, counter(onBytes), res])
  } finally {
    // A throttle of a token-bucket group (speed-limiter's ThrottleGroup, webtorrent's
    // throttleGroups) stays in its group, with its buffers, until destroy() is called:
    // ending is not enough, so every response would otherwise be kept for good.
    for (const throttle of throttles) (throttle as { destroy? (): void }).destroy?.()
  }
}

/**
 * `length` bytes of `source` straight to `res`, as `exactly` passes them,
 * when no upload cap stands between: `pipeline` with its three streams and
 * the AbortController it makes and aborts per response cost a web seed's
 * ranged GET of 16 KiB a fifth of its CPU. Fails, as `pipeline` does, when
 * the store sends too little or the connection closes before the last
 * byte is handed to it; `source` is destroyed in every case.
 */
async function copyExactly (source: Readable, length: number, onBytes: (n: number) => void, res: ServerResponse): Promise<void> {
  let left = length
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (left === 0) break
    const part = chunk.length > left ? chunk.subarray(0, left) : chunk
    left -= part.length
    onBytes(part.length)
    // The last bytes end the response at once; the loop still runs to the source's end, as
    // leaving it early would destroy the source with an AbortError (and its stack trace).
    if (left === 0) res.end(part)
    else if (!res.write(part)) await drained(res)
  }
  if (left > 0) throw new Error(`the store sent ${length - left} of ${length} bytes`)
  if (length === 0) res.end()
}

function drained (res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error('the connection closed before the body was sent'))
  return new Promise((resolve, reject) => {
    const onDrain = (): void => { res.off('close', onClose); resolve() }
    const onClose = (): void => { res.off('drain', onDrain); reject(new Error('the connection closed before the body was sent')) }
    res.once('drain', onDrain)
    res.once('close', onClose)
  })
}

function counter (onBytes: (n: number) => void): Transform {
  const meter = new PassThrough()
  meter.on('data', (chunk: Buffer) => onBytes(chunk.length))
  return meter
}

function etagListMatches (header: string, etag: string, weak: boolean): boolean {
  if (header.trim() === '*') return true
  const bare = (tag: string): string => weak ? tag.trim().replace(/^W\//, '') : tag.trim()
  return header.split(',').some((tag) => bare(tag) === etag && (weak || !tag.trim().startsWith('W/')))
}

function notModifiedSince (header: string | undefined, lastModified: Date): boolean {
  if (header === undefined) return false
  const since = Date.parse(header)
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000)
}

function sameDate (header: string, date: Date): boolean {
  const parsed = Date.parse(header)
  return !Number.isNaN(parsed) && Math.floor(parsed / 1000) === Math.floor(date.getTime() / 1000)
}
