import assert from 'node:assert/strict'
import { parseSeederConfig, SeederConfigError } from '@fedswarm/seeder'

describe('seeder config', function () {
  it('needs an origin and has safe defaults', function () {
    assert.throws(() => parseSeederConfig({}), /--origin/)
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

  it('runs over HTTP only when told, with no BitTorrent port', function () {
    const config = parseSeederConfig({ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'http', FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' })
    assert.deepEqual(config.transport, { kind: 'http' })
    assert.equal(config.allowPrivateAddresses, true)
    assert.deepEqual(parseSeederConfig({ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'bittorrent', FEDSWARM_TORRENT_PORT: '6881' }).transport, { kind: 'bittorrent', torrentPort: 6881 })
  })

  it('refuses bad values with one line naming them', function () {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ FEDSWARM_ORIGINS: 'ftp://x' }, /origin/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_QUOTA: 'big' }, /FEDSWARM_QUOTA/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_MAX_ACTIVE_TORRENTS: '0' }, /FEDSWARM_MAX_ACTIVE_TORRENTS/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_PUBLIC_URL: 'https://me.example/path' }, /no path/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_MIN_LIFETIME: 'forever' }, /FEDSWARM_MIN_LIFETIME/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'ftp' }, /FEDSWARM_TRANSPORT/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'http', FEDSWARM_TORRENT_PORT: '6881' }, /FEDSWARM_TORRENT_PORT/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_TRANSPORT: 'http', FEDSWARM_WEBRTC: 'on' }, /FEDSWARM_WEBRTC/],
      [{ FEDSWARM_ORIGINS: 'https://a.example', FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'maybe' }, /FEDSWARM_ALLOW_PRIVATE_ADDRESSES/]
    ]
    for (const [env, message] of cases) {
      assert.throws(() => parseSeederConfig(env), (err: Error) => err instanceof SeederConfigError && message.test(err.message), JSON.stringify(env))
    }
  })
})
