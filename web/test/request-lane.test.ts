// The HTTP server's lane (request-lane.ts) on a real server and raw
// sockets: it answers plain GETs of its path itself, and everything else
// reaches node:http on the same connection, in order.

import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import net from 'node:net'
import { pino } from 'pino'
import { listenHttp, type HttpServer, type LaneRequest } from '../src/index.ts'

interface Answer { status: number, headers: Record<string, string>, body: string }

/** Reads HTTP/1.1 answers (with Content-Length) off a socket: `count` of them, or until it closes; bounded. */
function readAnswers (socket: net.Socket, count: number, timeoutMs = 5_000): Promise<{ answers: Answer[], closed: boolean }> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const answers: Answer[] = []
    const timer = setTimeout(() => { finish(); reject(new Error(`got ${answers.length} of ${count} answers in ${timeoutMs} ms: ${JSON.stringify(buffered)}`)) }, timeoutMs)
    const parse = (): void => {
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n')
        if (end === -1) return
        const [statusLine, ...lines] = buffered.slice(0, end).split('\r\n')
        const headers: Record<string, string> = {}
        for (const line of lines) {
          const colon = line.indexOf(':')
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
        }
        const length = Number(headers['content-length'] ?? 0)
        if (buffered.length < end + 4 + length) return
        answers.push({ status: Number(statusLine!.split(' ')[1]), headers, body: buffered.slice(end + 4, end + 4 + length) })
        buffered = buffered.slice(end + 4 + length)
      }
    }
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('latin1')
      parse()
      if (answers.length >= count) { finish(); resolve({ answers, closed: false }) }
    }
    const onClose = (): void => { finish(); resolve({ answers, closed: true }) }
    const finish = (): void => { clearTimeout(timer); socket.off('data', onData); socket.off('close', onClose) }
    socket.on('data', onData)
    socket.once('close', onClose)
  })
}

describe('web: the HTTP server\'s lane for one GET path', function () {
  let http: HttpServer
  let handled: LaneRequest[]
  let later: Array<() => void>
  const lane = new EventEmitter()
  /** Resolves once the lane's handler took `count` requests in all (bounded). */
  async function handledCount (count: number): Promise<void> {
    const deadline = AbortSignal.timeout(5_000)
    while (handled.length < count) await once(lane, 'handled', { signal: deadline })
  }
  const open: net.Socket[] = []

  async function connect (): Promise<net.Socket> {
    const socket = net.connect(http.port, '127.0.0.1')
    open.push(socket)
    await once(socket, 'connect')
    return socket
  }

  const get = (target: string, headers = 'Host: x\r\n'): string => `GET ${target} HTTP/1.1\r\n${headers}\r\n`

  beforeEach(async function () {
    handled = []
    later = []
    http = await listenHttp({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }), requestTimeoutMs: 30_000 })
    http.setHandler((req, res) => {
      const body = `node ${req.method} ${req.url} ${req.headers['x-forwarded-for'] ?? '-'}`
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) })
      res.end(body)
    })
    http.setLane({
      path: '/announce',
      headers: [['Content-Type', 'text/plain'], ['X-Lane', 'yes']],
      handle (request, reply) {
        if (request.target.includes('decline')) return false
        if (request.target.includes('throw')) throw new Error('a fault in the handler')
        handled.push(request)
        lane.emit('handled')
        const body = `lane ${request.target} ${request.forwardedFor ?? '-'} ${request.socket.remoteAddress}`
        // ?later: answered after the next request was read (a store that answers late).
        if (request.target.includes('later')) later.push(() => reply(body))
        else reply(body)
        return true
      }
    })
  })

  afterEach(async function () {
    for (const socket of open.splice(0)) socket.destroy()
    await http?.close()
  })

  it('answers a plain GET of its path itself, with its headers, and keeps the connection', async function () {
    const socket = await connect()
    socket.write(get('/announce?a=1'))
    const first = await readAnswers(socket, 1)
    assert.equal(first.answers[0]!.status, 200)
    assert.equal(first.answers[0]!.body, 'lane /announce?a=1 - 127.0.0.1')
    assert.equal(first.answers[0]!.headers['x-lane'], 'yes')
    assert.equal(first.answers[0]!.headers['content-type'], 'text/plain')
    assert.equal(first.answers[0]!.headers.connection, 'keep-alive')
    assert.ok(!Number.isNaN(Date.parse(first.answers[0]!.headers.date!)))
    socket.write(get('/announce?a=2'))
    assert.equal((await readAnswers(socket, 1)).answers[0]!.body, 'lane /announce?a=2 - 127.0.0.1')
    assert.equal(handled.length, 2)
  })

  it('hands a connection to node:http at the first request that is not its own, answers in order', async function () {
    const socket = await connect()
    socket.write(get('/announce?a=1') + get('/healthz') + get('/announce?a=2'))
    const { answers } = await readAnswers(socket, 3)
    assert.deepEqual(answers.map((a) => a.body), ['lane /announce?a=1 - 127.0.0.1', 'node GET /healthz -', 'node GET /announce?a=2 -'])
    assert.equal(handled.length, 1)
  })

  it('keeps the order when its own answer comes after the next request was read', async function () {
    const socket = await connect()
    socket.write(get('/announce?later=1') + get('/announce?a=2') + get('/other'))
    // The second answer is ready first, the hand-off waits: nothing may be written before the first.
    await handledCount(2)
    const reading = readAnswers(socket, 3)
    later.shift()!()
    const { answers } = await reading
    assert.deepEqual(answers.map((a) => a.body), ['lane /announce?later=1 - 127.0.0.1', 'lane /announce?a=2 - 127.0.0.1', 'node GET /other -'])
  })

  it('leaves to node:http every request that is not plainly its own', async function () {
    const odd: Array<[string, string]> = [
      ['declined by its handler', get('/announce?decline=1')],
      ['its handler throws', get('/announce?throw=1')],
      ['another method', 'POST /announce?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'],
      ['no query', get('/announce')],
      ['another path sharing the prefix', get('/announced?a=1')],
      ['a body', get('/announce?a=1', 'Host: x\r\nContent-Length: 2\r\n') + 'ok'],
      ['chunked', get('/announce?a=1', 'Host: x\r\nTransfer-Encoding: chunked\r\n') + '0\r\n\r\n'],
      ['an upgrade', get('/announce?a=1', 'Host: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n')],
      ['HTTP/1.0', 'GET /announce?a=1 HTTP/1.0\r\nHost: x\r\n\r\n']
    ]
    for (const [what, request] of odd) {
      const socket = await connect()
      socket.write(request)
      const { answers } = await readAnswers(socket, 1)
      assert.match(answers[0]!.body, /^node /, what)
      socket.destroy()
    }
    assert.equal(handled.length, 0)
  })

  it('leaves a head that arrives in pieces to node:http, which reads it whole', async function () {
    const socket = await connect()
    socket.write('GET /announce?a=1 HT')
    // One byte at a time would do as well: any chunk without a whole head goes to node:http.
    await new Promise((resolve) => setTimeout(resolve, 20))
    socket.write('TP/1.1\r\nHost: x\r\n\r\n')
    const { answers } = await readAnswers(socket, 1)
    assert.equal(answers[0]!.body, 'node GET /announce?a=1 -')
    assert.equal(handled.length, 0)
  })

  it('refuses through node:http what node:http refuses: no Host, control bytes, a header name that is not a token', async function () {
    const refused = [
      'GET /announce?a=1 HTTP/1.1\r\n\r\n',
      get('/announce?a=\x01'),
      // A name with a space: a lane that skipped it would read the body as the next request.
      get('/announce?a=1', 'Host: x\r\nContent-Length : 32\r\n') + get('/announce?smuggled=1').slice(0, 32),
      get('/announce?a=1', 'Host: x\r\nX-Note: a\x01b\r\n'),
      get('/announce?a=1', 'Host: x\r\n folded: y\r\n')
    ]
    for (const request of refused) {
      const socket = await connect()
      socket.write(request)
      const { answers } = await readAnswers(socket, 1)
      assert.equal(answers[0]!.status, 400)
      socket.destroy()
    }
    assert.equal(handled.length, 0)
  })

  it('passes X-Forwarded-For, several joined as node:http joins them', async function () {
    const socket = await connect()
    socket.write(get('/announce?a=1', 'Host: x\r\nX-Forwarded-For: 198.51.100.1\r\nx-forwarded-for: 203.0.113.7\r\n'))
    const { answers } = await readAnswers(socket, 1)
    assert.equal(answers[0]!.body, 'lane /announce?a=1 198.51.100.1, 203.0.113.7 127.0.0.1')
  })

  it('closes after a `Connection: close` request, reading nothing after it', async function () {
    const socket = await connect()
    socket.write(get('/announce?a=1', 'Host: x\r\nConnection: close\r\n') + get('/announce?a=2'))
    const { answers, closed } = await readAnswers(socket, 2)
    assert.equal(closed, true)
    assert.equal(answers.length, 1)
    assert.equal(answers[0]!.headers.connection, 'close')
    assert.equal(handled.length, 1)
  })

  it('answers a client that half-closes after its request, then closes', async function () {
    const socket = await connect()
    socket.end(get('/announce?later=1'))
    await handledCount(1)
    const reading = readAnswers(socket, 2)
    later.shift()!()
    const { answers, closed } = await reading
    assert.equal(closed, true)
    assert.deepEqual(answers.map((a) => a.body), ['lane /announce?later=1 - 127.0.0.1'])
  })

  it('survives a client that leaves before its answer, and closes with connections still in the lane', async function () {
    const socket = await connect()
    // Its answer comes late, and a request for node:http waits behind it: the late answer finds the client gone.
    socket.write(get('/announce?later=1') + get('/other'))
    await handledCount(1)
    socket.resetAndDestroy()
    await once(socket, 'close')
    later.shift()!()
    const kept = await connect()
    kept.write(get('/announce?a=2'))
    await readAnswers(kept, 1)
    // The idle kept-alive connection in the lane does not hold the close up.
    const closed = once(kept, 'close')
    await http.close()
    await closed
    http = await listenHttp({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }), requestTimeoutMs: 30_000 })
  })
})
