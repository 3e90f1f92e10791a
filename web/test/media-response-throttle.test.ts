import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { sendRepresentation, type Representation } from '@fedswarm/web'

/**
 * Like a throttle of speed-limiter's ThrottleGroup (the upload cap of both
 * roles, through webtorrent's throttleGroups): kept by its group from the
 * moment it is made until destroy() is called, whether or not it ended. Its
 * streamx Transform frees itself at the end without calling destroy(), as
 * a Node stream without autoDestroy does.
 */
function throttleGroup (): { throttle (): NodeJS.ReadWriteStream, live: Set<PassThrough> } {
  const live = new Set<PassThrough>()
  return {
    live,
    throttle () {
      const stream = new PassThrough({ autoDestroy: false })
      live.add(stream)
      const destroy = stream.destroy.bind(stream)
      stream.destroy = (err?: Error) => { live.delete(stream); return destroy(err) }
      return stream
    }
  }
}

describe('sendRepresentation releases the upload throttle of every response', function () {
  const bytes = randomBytes(4 * 1024 * 1024)
  const group = throttleGroup()
  const handled: Array<Promise<void>> = []
  let server: Server
  let port: number

  const rep: Representation = {
    size: bytes.length,
    mediaType: 'image/png',
    etag: '"abc"',
    lastModified: new Date('2026-01-01T00:00:00Z'),
    headers: {},
    read: async (range) => Readable.from([bytes.subarray(range?.start ?? 0, (range?.end ?? bytes.length - 1) + 1)]),
    throttle: () => group.throttle()
  }

  before(async function () {
    server = createServer((req, res) => {
      handled.push(sendRepresentation(req, res, rep, () => {}).catch(() => { res.destroy() }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(async function () {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  /** One exchange; with `abortAfter`, the client hangs up after that many body bytes. */
  function exchange (method: string, headers: Record<string, string>, abortAfter?: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, headers, agent: false }, (res) => {
        let received = 0
        res.on('data', (chunk: Buffer) => {
          received += chunk.length
          if (abortAfter !== undefined && received >= abortAfter) { req.destroy(); resolve(received) }
        })
        res.on('end', () => resolve(received))
        res.on('error', () => resolve(received))
      })
      req.on('error', (err) => { if (abortAfter === undefined) reject(err) })
      req.end()
    })
  }

  it('after whole, ranged, multipart and aborted bodies, and for HEAD and 304 makes none', async function () {
    assert.equal(await exchange('GET', {}), bytes.length)
    assert.equal(await exchange('GET', { range: 'bytes=10-19' }), 10)
    assert.ok(await exchange('GET', { range: 'bytes=0-9,100-199' }) > 110)
    assert.equal(await exchange('HEAD', {}), 0)
    assert.equal(await exchange('GET', { 'if-none-match': '"abc"' }), 0)
    await exchange('GET', {}, 64 * 1024)
    await Promise.all(handled)
    assert.equal(group.live.size, 0, `${group.live.size} throttles still held by their group`)
  })
})
