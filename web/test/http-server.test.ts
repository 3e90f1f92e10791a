import assert from 'node:assert/strict'
import { request } from 'node:http'
import { pino } from 'pino'
import { listenHttp } from '../src/http-server.ts'

/** One raw GET of `path`: its status, content type and body. */
function get (port: number, path: string): Promise<{ status: number, type: string, body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk }).on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }))
    })
    req.on('error', reject).end()
  })
}

describe('a role\'s HTTP server', function () {
  it('answers a target starting with // in JSON itself, which Express would read as a host (and answer in HTML, or throw on)', async function () {
    const http = await listenHttp({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }), requestTimeoutMs: 30_000 })
    const handled: string[] = []
    http.setHandler((req, res) => { handled.push(req.url!); res.end('ok') })
    try {
      for (const path of ['//%@#', '//%25@x', '//a']) {
        const answer = await get(http.port, path)
        assert.equal(answer.status, 400, path)
        assert.match(answer.type, /^application\/json/)
        assert.equal(JSON.parse(answer.body).error, 'bad_request')
      }
      assert.equal((await get(http.port, '/a//b')).body, 'ok')
      assert.deepEqual(handled, ['/a//b'])
    } finally {
      await http.close()
    }
  })
})
