import assert from 'node:assert/strict'
import { generateKeyPair } from '@fedswarm/protocol'
import { pngBytes } from '@fedswarm/testkit'
import { originBackends, type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'
import { signedPost, startSeederDouble, type SeederDouble } from './seeder-double.ts'

interface InstanceView { domain: string, publicUrl: string, status: string, registeredAt: string, lastSeenAt: string, holdings: number }

async function errorOf (response: Response): Promise<string> {
  const body = await response.json() as { error: string, message: string }
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message'])
  return body.error
}

for (const backend of originBackends().filter((b) => b.blobs === 'fs')) {
  describe(`seeder registration on ${backend.name}`, function () {
    let fixture: OriginFixture
    const seeders: SeederDouble[] = []
    const seeder = async (): Promise<SeederDouble> => {
      const double = await startSeederDouble()
      seeders.push(double)
      return double
    }
    const register = (double: SeederDouble, key = { keyId: double.keyId, privateKey: double.privateKey }, now?: Date) =>
      signedPost(`${fixture.url}/api/instances`, { publicUrl: double.publicUrl }, key, now)
    const instances = async (): Promise<InstanceView[]> =>
      (await (await fixture.api('/api/instances', { admin: true })).json() as { instances: InstanceView[] }).instances

    before(async function () {
      fixture = await startOriginFixture(backend, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' })
    })
    after(async function () {
      for (const double of seeders) await double.close()
      await fixture?.stop()
    })

    it('registers a seeder that proves its domain, listed for the admin only', async function () {
      const double = await seeder()
      const response = await (await register(double)).send()
      assert.equal(response.status, 200)
      const { canary, ...body } = await response.json() as InstanceView & { canary?: { manifest: { size: number } } }
      assert.equal(canary?.manifest.size, 64 * 1024, 'a new seeder is offered a canary to earn trust with')
      const domain = new URL(double.publicUrl).host
      assert.equal(body.domain, domain)
      assert.equal(body.publicUrl, double.publicUrl)
      assert.equal(body.status, 'active')
      assert.ok(!Number.isNaN(Date.parse(body.registeredAt)) && !Number.isNaN(Date.parse(body.lastSeenAt)))
      assert.equal(double.wellKnownFetches, 1)

      const listed = (await instances()).find((instance) => instance.domain === domain)
      assert.deepEqual(listed, { ...body, holdings: 0, pendingAcks: 0, lastAckSeq: null })
      assert.equal((await fixture.api('/api/instances')).status, 401)
      assert.equal((await fixture.api('/api/instances', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 403)
    })

    it('refuses bad signatures with 401 and the reason', async function () {
      const double = await seeder()
      const good = await register(double)
      const url = `${fixture.url}/api/instances`
      const send = (headers: Record<string, string>, body = good.body): Promise<Response> => fetch(url, { method: 'POST', headers, body })

      const { signature: _, ...unsigned } = good.headers
      assert.equal(await errorOf(await send(unsigned)), 'signature_missing')
      assert.equal(await errorOf(await send({ ...good.headers, signature: 'sig1=:c2hvcnQ=:' })), 'signature_invalid')
      assert.equal(await errorOf(await send({ ...good.headers, signature: 'sig1=not a signature' })), 'signature_invalid')
      // The same JSON in other bytes: the signature covers the bytes.
      const altered = JSON.stringify({ publicUrl: double.publicUrl }, null, 2)
      assert.equal(await errorOf(await send(good.headers, altered)), 'digest_mismatch')
      const wrongKeyId = await register(double, { keyId: `${double.publicUrl}/other#key`, privateKey: double.privateKey })
      const refused = await wrongKeyId.send()
      assert.equal(refused.status, 401)
      assert.equal(await errorOf(refused), 'unknown_key')
      assert.equal(double.wellKnownFetches, 0, 'nothing is fetched for a request that fails the cheap checks')
    })

    it('refuses a key the domain does not publish with 403', async function () {
      const double = await seeder()
      const stranger = generateKeyPair()
      const response = await (await register(double, { keyId: double.keyId, privateKey: stranger.privateKey })).send()
      assert.equal(response.status, 403)
      assert.equal(await errorOf(response), 'key_not_published')
      assert.equal((await instances()).some((instance) => instance.publicUrl === double.publicUrl), false)
    })

    it('names the origin\'s public URL when a request was signed for another name of it', async function () {
      const double = await seeder()
      const otherName = fixture.url.replace('127.0.0.1', 'localhost')
      assert.notEqual(otherName, fixture.url)
      const signed = await signedPost(`${otherName}/api/instances`, { publicUrl: double.publicUrl }, { keyId: double.keyId, privateKey: double.privateKey })
      const response = await fetch(`${fixture.url}/api/instances`, { method: 'POST', headers: signed.headers, body: signed.body })
      assert.equal(response.status, 403)
      const body = await response.json() as { error: string, message: string }
      assert.equal(body.error, 'key_not_published')
      assert.match(body.message, new RegExp(`another URL than ${fixture.url.replace(/[.]/g, '\\.')}/api/instances \\(the origin's FEDSWARM_PUBLIC_URL`))
    })

    it('refuses the same signed request sent twice', async function () {
      const double = await seeder()
      const request = await register(double)
      assert.equal((await request.send()).status, 200)
      const replay = await request.send()
      assert.equal(replay.status, 401)
      assert.equal(await errorOf(replay), 'signature_replayed')
      assert.equal(double.wellKnownFetches, 1, 'a replay is refused before the well-known is fetched again')
    })

    it('refuses a stale or future signature', async function () {
      const double = await seeder()
      for (const offset of [-10 * 60_000, 10 * 60_000]) {
        const response = await (await register(double, undefined, new Date(Date.now() + offset))).send()
        assert.equal(response.status, 401)
        assert.equal(await errorOf(response), 'signature_expired')
      }
    })

    it('answers 400 well_known_unavailable, saying why, when the document cannot be had', async function () {
      const double = await seeder()
      const cases: Array<[(res: import('node:http').ServerResponse) => void, RegExp]> = [
        [(res) => res.writeHead(404).end(), /HTTP 404/],
        [(res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end(), /redirects are not followed/],
        [(res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{not json'), /not JSON/],
        [(res) => res.writeHead(200).end(JSON.stringify({ type: 'fedswarm.seeder/1' })), /not a fedswarm.seeder\/1 document/],
        [(res) => res.writeHead(200).end('x'.repeat(100 * 1024)), /larger than 65536 bytes/]
      ]
      for (const [answer, reason] of cases) {
        double.respond((_req, res) => answer(res))
        const response = await (await register(double)).send()
        assert.equal(response.status, 400)
        const body = await response.json() as { error: string, message: string }
        assert.equal(body.error, 'well_known_unavailable')
        assert.match(body.message, reason)
      }
      const gone = await seeder()
      await gone.close()
      const response = await (await register(gone)).send()
      assert.equal(response.status, 400)
      assert.match((await response.json() as { message: string }).message, /ECONNREFUSED/)
    })

    it('refuses malformed registration bodies', async function () {
      const double = await seeder()
      for (const payload of [{}, { publicUrl: 'ftp://x.example' }, { publicUrl: `${double.publicUrl}/path` }, { publicUrl: double.publicUrl, more: 1 }]) {
        const response = await (await signedPost(`${fixture.url}/api/instances`, payload, { keyId: double.keyId, privateKey: double.privateKey })).send()
        assert.equal(response.status, 400, JSON.stringify(payload))
        assert.equal(await errorOf(response), 'invalid_body')
      }
    })

    it('keeps a seeder\'s locality claim with the addresses it was seen at, replaced at each registration', async function () {
      const double = await seeder()
      const key = { keyId: double.keyId, privateKey: double.privateKey }
      const claim = (serverAddresses?: unknown) => signedPost(`${fixture.url}/api/instances`, { publicUrl: double.publicUrl, serverAddresses }, key)
      const claimed = await (await claim(['192.0.2.9/24', '2001:DB8:5::/48', '192.0.2.0/24'])).send()
      assert.equal(claimed.status, 200)
      const { canary, ...body } = await claimed.json() as InstanceView & { serverAddresses: string[] | null, seenAddresses: string[], canary?: unknown }
      assert.ok(canary !== undefined, 'a new seeder is offered a canary with its answer')
      assert.deepEqual(body.serverAddresses, ['192.0.2.0/24', '2001:db8:5::/48'])
      // Its registration and its well-known document both came from loopback (counted: FEDSWARM_ALLOW_PRIVATE_ADDRESSES).
      assert.deepEqual(body.seenAddresses, ['127.0.0.1'])
      assert.deepEqual((await instances()).find((instance) => instance.publicUrl === double.publicUrl), { ...body, holdings: 0, pendingAcks: 0, lastAckSeq: null })
      const withdrawn = await (await register(double)).send()
      assert.equal((await withdrawn.json() as { serverAddresses: unknown }).serverAddresses, null, 'a registration without a claim withdraws it')
    })

    it('refuses a claim wider than one site, or not of addresses, with 400 invalid_server_address saying which entry', async function () {
      const double = await seeder()
      const key = { keyId: double.keyId, privateKey: double.privateKey }
      const cases: Array<[unknown, RegExp]> = [
        [['192.0.2.7', '10.0.0.0/8'], /^serverAddresses\[1\]: "10.0.0.0\/8" is wider than IPv4 \/24/],
        [['192.0.2.0/23'], /wider than IPv4 \/24/],
        [['2001:db8::/32'], /^serverAddresses\[0\]: .* is wider than IPv6 \/48/],
        [['mastodon.example'], /^serverAddresses\[0\]: "mastodon.example" is not an IP address or a prefix/],
        [['192.0.2.7/33'], /prefix length is 0 to 32/],
        [Array.from({ length: 33 }, (_, i) => `192.0.2.${i}`), /at most 32/]
      ]
      for (const [serverAddresses, message] of cases) {
        const response = await (await signedPost(`${fixture.url}/api/instances`, { publicUrl: double.publicUrl, serverAddresses }, key)).send()
        assert.equal(response.status, 400, JSON.stringify(serverAddresses))
        const body = await response.json() as { error: string, message: string }
        assert.deepEqual(Object.keys(body).sort(), ['error', 'message'])
        assert.equal(body.error, 'invalid_server_address')
        assert.match(body.message, message)
      }
      for (const serverAddresses of ['192.0.2.7', [42]]) {
        const response = await (await signedPost(`${fixture.url}/api/instances`, { publicUrl: double.publicUrl, serverAddresses }, key)).send()
        assert.equal(await errorOf(response), 'invalid_body')
      }
      assert.equal(double.wellKnownFetches, 0, 'a refused claim costs the origin no fetch')
      assert.equal((await instances()).some((instance) => instance.publicUrl === double.publicUrl), false)
    })

    it('records holdings reported by a registered seeder', async function () {
      const double = await seeder()
      assert.equal((await (await register(double)).send()).status, 200)
      const key = { keyId: double.keyId, privateKey: double.privateKey }
      const { manifest } = await publish(fixture, pngBytes(3000))
      const holdings = `${fixture.url}/api/instances/holdings`
      const held = await (await signedPost(holdings, { infoHash: manifest.infoHash, held: true }, key)).send()
      assert.equal(held.status, 204)
      const domain = new URL(double.publicUrl).host
      assert.equal((await instances()).find((instance) => instance.domain === domain)?.holdings, 1)
      assert.equal((await (await signedPost(holdings, { infoHash: manifest.infoHash, held: true }, key)).send()).status, 204)
      assert.equal((await instances()).find((instance) => instance.domain === domain)?.holdings, 1)

      const unknownItem = await (await signedPost(holdings, { infoHash: 'f'.repeat(40), held: true }, key)).send()
      assert.equal(unknownItem.status, 404)
      const malformed = await (await signedPost(holdings, { infoHash: 'xyz', held: true }, key)).send()
      assert.equal(await errorOf(malformed), 'invalid_body')

      assert.equal((await (await signedPost(holdings, { infoHash: manifest.infoHash, held: false }, key)).send()).status, 204)
      assert.equal((await instances()).find((instance) => instance.domain === domain)?.holdings, 0)

      const stranger = await seeder()
      const unknown = await (await signedPost(holdings, { infoHash: manifest.infoHash, held: true }, { keyId: stranger.keyId, privateKey: stranger.privateKey })).send()
      assert.equal(unknown.status, 401)
      assert.equal(await errorOf(unknown), 'unknown_key')
      assert.equal(stranger.wellKnownFetches, 0, 'holdings never fetch: only registered keys count')
    })

    it('lets the admin refuse a seeder (no holdings, no registration) and re-admit it', async function () {
      const double = await seeder()
      assert.equal((await (await register(double)).send()).status, 200)
      const key = { keyId: double.keyId, privateKey: double.privateKey }
      const domain = new URL(double.publicUrl).host
      const { manifest } = await publish(fixture, pngBytes(2500))
      const holdings = `${fixture.url}/api/instances/holdings`
      assert.equal((await (await signedPost(holdings, { infoHash: manifest.infoHash, held: true }, key)).send()).status, 204)
      const post = (path: string, body: unknown, admin = true): Promise<Response> =>
        fixture.api(path, { method: 'POST', admin, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const refuse = `/api/instances/${encodeURIComponent(domain)}/refuse`
      const readmit = `/api/instances/${encodeURIComponent(domain)}/readmit`

      assert.equal((await post(refuse, { reason: 'serves junk' }, false)).status, 401)
      assert.equal(await errorOf(await post(refuse, { why: 'x' })), 'invalid_body')
      assert.equal(await errorOf(await post('/api/instances/nobody.example/refuse', { reason: 'x' })), 'instance_not_found')
      assert.equal(await errorOf(await post(readmit, { reason: 'not refused yet' })), 'not_refused')

      const refused = await post(refuse, { reason: 'serves junk' })
      assert.equal(refused.status, 200)
      assert.equal((await refused.json() as InstanceView).status, 'refused')
      const listed = (await instances()).find((instance) => instance.domain === domain)
      assert.deepEqual({ status: listed?.status, holdings: listed?.holdings }, { status: 'refused', holdings: 0 })
      assert.equal(await errorOf(await (await signedPost(holdings, { infoHash: manifest.infoHash, held: true }, key)).send()), 'seeder_refused')
      const again = await (await register(double)).send()
      assert.equal(again.status, 403)
      assert.equal(await errorOf(again), 'seeder_refused')

      const readmitted = await post(readmit, { reason: 'fixed' })
      assert.equal(readmitted.status, 200)
      assert.equal((await readmitted.json() as InstanceView).status, 'active')
      assert.equal((await (await register(double)).send()).status, 200)
      assert.equal((await (await signedPost(holdings, { infoHash: manifest.infoHash, held: true }, key)).send()).status, 204)
      assert.equal((await instances()).find((instance) => instance.domain === domain)?.holdings, 1)
    })

    it('replaces the key on re-registration, after the same proof', async function () {
      const double = await seeder()
      assert.equal((await (await register(double)).send()).status, 200)
      const oldKey = double.rotateKey()
      const response = await (await register(double)).send()
      assert.equal(response.status, 200)
      assert.equal(double.wellKnownFetches, 2)
      const holdings = `${fixture.url}/api/instances/holdings`
      const { manifest } = await publish(fixture, pngBytes(2000))
      const withOld = await (await signedPost(holdings, { infoHash: manifest.infoHash, held: true }, { keyId: double.keyId, privateKey: oldKey })).send()
      assert.equal(withOld.status, 401)
      assert.equal(await errorOf(withOld), 'signature_invalid')
      const withNew = await (await signedPost(holdings, { infoHash: manifest.infoHash, held: true }, { keyId: double.keyId, privateKey: double.privateKey })).send()
      assert.equal(withNew.status, 204)
      assert.equal((await instances()).filter((instance) => instance.publicUrl === double.publicUrl).length, 1)
    })
  })
}

describe('seeder registration policy', function () {
  let double: SeederDouble
  before(async function () {
    double = await startSeederDouble()
  })
  after(async function () {
    await double?.close()
  })

  it('accepts only the domains of FEDSWARM_ACCEPT_SEEDERS', async function () {
    const fixture = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_ACCEPT_SEEDERS: 'other.example' })
    try {
      const refused = await (await signedPost(`${fixture.url}/api/instances`, { publicUrl: double.publicUrl }, double)).send()
      assert.equal(refused.status, 403)
      assert.equal(await errorOf(refused), 'seeder_not_accepted')
      assert.equal(double.wellKnownFetches, 0)
      fixture.env.FEDSWARM_ACCEPT_SEEDERS = `other.example, ${new URL(double.publicUrl).host}`
      await fixture.restart()
      const accepted = await (await signedPost(`${fixture.url}/api/instances`, { publicUrl: double.publicUrl }, double)).send()
      assert.equal(accepted.status, 200)
    } finally {
      await fixture.stop()
    }
  })

  it('will not fetch a well-known document on a private address unless FEDSWARM_ALLOW_PRIVATE_ADDRESSES', async function () {
    const fixture = await startOriginFixture(undefined, {})
    const before = double.wellKnownFetches
    try {
      const port = new URL(double.publicUrl).port
      for (const publicUrl of [double.publicUrl, `http://localhost:${port}`, 'http://[::1]:9', 'http://10.1.2.3:9']) {
        const keyId = `${publicUrl}/.well-known/fedswarm#key`
        const response = await (await signedPost(`${fixture.url}/api/instances`, { publicUrl }, { keyId, privateKey: double.privateKey })).send()
        assert.equal(response.status, 400, publicUrl)
        const body = await response.json() as { error: string, message: string }
        assert.equal(body.error, 'well_known_unavailable')
        assert.match(body.message, /not a public address/)
      }
      assert.equal(double.wellKnownFetches, before)
    } finally {
      await fixture.stop()
    }
  })
})
