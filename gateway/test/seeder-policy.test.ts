import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ConfigError, parseOriginConfig } from '@fedswarm/gateway'
import { accepts } from '../src/seeders/instance-registry.ts'
import { createSafeFetch, isPublicAddress, SafeFetchError } from '@fedswarm/web'

describe('seeder policy: acceptance, hot threshold, guarded fetch', function () {
  it('parses FEDSWARM_ACCEPT_SEEDERS, FEDSWARM_ALLOW_PRIVATE_ADDRESSES and FEDSWARM_HOT_THRESHOLD', function () {
    const defaults = parseOriginConfig({})
    assert.equal(defaults.acceptSeeders, 'anybody')
    assert.equal(defaults.allowPrivateAddresses, false)
    assert.equal(defaults.hotThreshold, 10)
    const set = parseOriginConfig({ FEDSWARM_ACCEPT_SEEDERS: 'Seeder.Example, 127.0.0.1:8090,[::1]:9', FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_HOT_THRESHOLD: '2.5' })
    assert.deepEqual(set.acceptSeeders, [{ host: 'seeder.example', port: undefined }, { host: '127.0.0.1', port: 8090 }, { host: '[::1]', port: 9 }])
    assert.equal(set.allowPrivateAddresses, true)
    assert.equal(set.hotThreshold, 2.5)
    for (const [name, value] of [['FEDSWARM_ACCEPT_SEEDERS', 'https://x.example'], ['FEDSWARM_ACCEPT_SEEDERS', 'x.example:99999'], ['FEDSWARM_ACCEPT_SEEDERS', ','], ['FEDSWARM_HOT_THRESHOLD', '0'], ['FEDSWARM_ALLOW_PRIVATE_ADDRESSES', 'maybe']] as const) {
      assert.throws(() => parseOriginConfig({ [name]: value }), (err: Error) => err instanceof ConfigError && err.message.includes(name), `${name}=${value}`)
    }
  })

  it('accepts a listed host on any port, a listed host:port only there', function () {
    const list = [{ host: 'seeder.example' }, { host: 'other.example', port: 8443 }]
    assert.equal(accepts('anybody', 'https://anyone.example'), true)
    assert.equal(accepts(list, 'https://seeder.example'), true)
    assert.equal(accepts(list, 'http://seeder.example:8090'), true)
    assert.equal(accepts(list, 'https://other.example:8443'), true)
    assert.equal(accepts(list, 'https://other.example'), false)
    assert.equal(accepts(list, 'https://evil.example'), false)
    assert.equal(accepts([{ host: 'seeder.example', port: 443 }], 'https://seeder.example'), true)
  })

  it('counts only public unicast addresses as public', function () {
    for (const address of ['8.8.8.8', '2606:4700:4700::1111']) assert.equal(isPublicAddress(address), true, address)
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', 'nonsense']) {
      assert.equal(isPublicAddress(address), false, address)
    }
  })

  describe('guarded fetch', function () {
    let server: Server
    let base: string
    before(async function () {
      server = createServer((req, res) => {
        if (req.url === '/big') res.end('x'.repeat(70 * 1024))
        else if (req.url === '/silent') res.flushHeaders()
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      base = `127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    after(async function () {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    })

    it('refuses loopback by literal and by name, unless allowed', async function () {
      const guarded = createSafeFetch({ allowPrivateAddresses: false })
      await assert.rejects(guarded(`http://${base}/`), (err: Error) => err instanceof SafeFetchError && /loopback/.test(err.message))
      await assert.rejects(guarded(`http://localhost:${base.split(':')[1]}/`), (err: Error) => err instanceof SafeFetchError && /localhost resolves to .*loopback/.test(err.message))
      await assert.rejects(guarded('http://[::ffff:7f00:1]/'), SafeFetchError)
      await assert.rejects(guarded('file:///etc/passwd'), SafeFetchError)
      const open = createSafeFetch({ allowPrivateAddresses: true })
      const response = await open(`http://localhost:${base.split(':')[1]}/`)
      assert.equal(response.status, 200)
      assert.equal(response.body.toString(), '{"ok":true}')
    })

    it('caps the body and the time', async function () {
      const guarded = createSafeFetch({ allowPrivateAddresses: true, timeoutMs: 200 })
      await assert.rejects(guarded(`http://${base}/big`), (err: Error) => err instanceof SafeFetchError && /larger than 65536 bytes/.test(err.message))
      await assert.rejects(guarded(`http://${base}/silent`), (err: Error) => err instanceof SafeFetchError && /within 200 ms/.test(err.message))
    })
  })
})
