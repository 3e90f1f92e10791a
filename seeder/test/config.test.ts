import assert from 'node:assert/strict'
import { parseSeederConfig, SeederConfigError } from '@fedswarm/seeder'

describe('seeder config', function () {
  it('needs an origin and has safe defaults', function () {
    assert.throws(() => parseSeederConfig({}), /--origin.*--discover-from/)
    const config = parseSeederConfig({}, { origins: ['https://origin.example/', 'https://origin.example'] })
    assert.deepEqual(config.origins, ['https://origin.example'])
    assert.equal(config.port, 8090)
    assert.deepEqual(config.transport, { kind: 'bittorrent', torrentPort: 8091 })
    assert.equal(config.allowPrivateAddresses, false)
    assert.equal(config.publicUrl, 'http://localhost:8090')
    assert.equal(config.quota, 10 * 1024 ** 3)
    assert.equal(config.maxActive, 50)
    assert.equal(config.minLifetime, 3_600_000)
    assert.equal(config.uploadLimit, undefined)
  })

  it('reads the env, flags first', function () {
    const config = parseSeederConfig({ FEDSWARM_ORIGINS: 'https://a.example,https://b.example', FEDSWARM_QUOTA: '2GB', FEDSWARM_UPLOAD_LIMIT: '1MB', PORT: '9000' }, { port: '9100' })
    assert.deepEqual(config.origins, ['https://a.example', 'https://b.example'])
    assert.equal(config.quota, 2 * 1024 ** 3)
    assert.equal(config.uploadLimit, 1024 ** 2)
    assert.equal(config.port, 9100)
  })

  it('claims no locality unless FEDSWARM_SERVER_ADDRESSES says which addresses its server fetches from', function () {
    const origin = { FEDSWARM_ORIGINS: 'https://a.example' }
    assert.equal(parseSeederConfig(origin).serverAddresses, undefined)
    assert.deepEqual(parseSeederConfig({ ...origin, FEDSWARM_SERVER_ADDRESSES: 'self' }).serverAddresses, [], 'only the addresses origins see it use')
    assert.deepEqual(parseSeederConfig({ ...origin, FEDSWARM_SERVER_ADDRESSES: 'self, 192.0.2.9/24, 2001:db8:5::/48, 192.0.2.0/24' }).serverAddresses, ['192.0.2.0/24', '2001:db8:5::/48'])
  })

  it('helps the origins found among the servers a list names, with or without --origin', function () {
    const config = parseSeederConfig({ FEDSWARM_HELP_ONLY: 'a.example, b.example:8443', FEDSWARM_NEVER_HELP: 'c.example', FEDSWARM_MAX_ORIGINS: '3' }, { discoverFrom: 'https://my.server/api/v1/instance/peers' })
    assert.deepEqual(config.origins, [])
    assert.deepEqual(config.discovery, { listUrl: 'https://my.server/api/v1/instance/peers', interval: 3_600_000 })
    assert.deepEqual(config.filter, { helpOnly: ['a.example', 'b.example:8443'], neverHelp: ['c.example'] })
    assert.equal(config.maxOrigins, 3)
    assert.equal(config.allowPrivateAddresses, false)
    const defaults = parseSeederConfig({ FEDSWARM_DISCOVER_FROM: 'https://my.server/peers', FEDSWARM_DISCOVER_INTERVAL: '10m' }, { origins: ['https://o.example'] })
    assert.deepEqual(defaults.origins, ['https://o.example'])
    assert.equal(defaults.discovery?.interval, 600_000)
    assert.equal(defaults.maxOrigins, 1000)
  })

  it('runs over HTTP only when told, with no BitTorrent port', function () {
    const config = parseSeederConfig({ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'http', FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' })
    assert.deepEqual(config.transport, { kind: 'http' })
    assert.equal(config.allowPrivateAddresses, true)
    assert.deepEqual(parseSeederConfig({ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'bittorrent', FEDSWARM_TORRENT_PORT: '6881' }).transport, { kind: 'bittorrent', torrentPort: 6881 })
  })

  it('refuses bad values with one line naming them', function () {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ FEDSWARM_ORIGINS: 'ftp://x' }, /^invalid FEDSWARM_ORIGINS "ftp:\/\/x": must be an http\(s\) URL$/],
      [{ FEDSWARM_ORIGINS: 'localhost:8080' }, /^invalid FEDSWARM_ORIGINS "localhost:8080": must be an http\(s\) URL, such as http:\/\/localhost:8080$/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', PORT: 'abc' }, /^invalid PORT: must be a port number, 0 to 65535$/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_QUOTA: 'big' }, /FEDSWARM_QUOTA/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_MAX_ACTIVE_TORRENTS: '0' }, /FEDSWARM_MAX_ACTIVE_TORRENTS/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_PUBLIC_URL: 'https://me.example/path' }, /no path/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_MIN_LIFETIME: 'forever' }, /FEDSWARM_MIN_LIFETIME/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_SERVER_ADDRESSES: '192.0.2.0/23' }, /^invalid FEDSWARM_SERVER_ADDRESSES: "192.0.2.0\/23" is wider than IPv4 \/24/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_SERVER_ADDRESSES: '2001:db8::/32' }, /FEDSWARM_SERVER_ADDRESSES: .*wider than IPv6 \/48/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_SERVER_ADDRESSES: 'mastodon.example' }, /FEDSWARM_SERVER_ADDRESSES: .*not an IP address/],
      [{ FEDSWARM_DISCOVER_FROM: 'ftp://my.server/peers' }, /FEDSWARM_DISCOVER_FROM/],
      [{ FEDSWARM_DISCOVER_FROM: 'https://my.server/peers', FEDSWARM_DISCOVER_INTERVAL: '10ms' }, /FEDSWARM_DISCOVER_INTERVAL/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_HELP_ONLY: 'https://a.example' }, /FEDSWARM_HELP_ONLY.*not a domain/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_NEVER_HELP: 'ok.example,*.bad' }, /FEDSWARM_NEVER_HELP/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_MAX_ORIGINS: '0' }, /FEDSWARM_MAX_ORIGINS/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'ftp' }, /FEDSWARM_TRANSPORT/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'http', FEDSWARM_TORRENT_PORT: '6881' }, /FEDSWARM_TORRENT_PORT/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'http', FEDSWARM_WEBRTC: 'on' }, /FEDSWARM_WEBRTC/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'maybe' }, /FEDSWARM_ALLOW_PRIVATE_ADDRESSES/]
    ]
    for (const [env, message] of cases) {
      assert.throws(() => parseSeederConfig(env), (err: Error) => err instanceof SeederConfigError && message.test(err.message), JSON.stringify(env))
    }
  })

  it('names the flag that gave a bad value', function () {
    const named = (flags: Parameters<typeof parseSeederConfig>[1], message: RegExp): void => {
      assert.throws(() => parseSeederConfig({}, flags), (err: Error) => err instanceof SeederConfigError && message.test(err.message), JSON.stringify(flags))
    }
    named({ origins: ['localhost:8080'] }, /^invalid --origin "localhost:8080": must be an http\(s\) URL, such as http:\/\/localhost:8080$/)
    named({ origins: ['https://a.example'], port: 'abc' }, /^invalid --port \(PORT\): must be a port number, 0 to 65535$/)
  })
})
