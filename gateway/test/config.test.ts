import assert from 'node:assert/strict'
import { ConfigError, DEFAULT_MEDIA_TYPES, parseOriginConfig } from '@fedswarm/gateway'
import { parseDuration, parseSize } from '@fedswarm/runtime'

describe('origin config', function () {
  it('has safe defaults', function () {
    const config = parseOriginConfig({})
    assert.equal(config.port, 8080)
    assert.equal(config.publicUrl, 'http://localhost:8080')
    assert.match(config.dataDir, /\/data$/)
    assert.equal(config.database.url, undefined)
    assert.equal(config.s3, undefined)
    assert.equal(config.adminToken, undefined)
    assert.equal(config.maxMediaSize, 100 * 1024 * 1024)
    assert.deepEqual(config.mediaTypes, DEFAULT_MEDIA_TYPES)
    assert.equal(config.importRoot, undefined)
    assert.equal(config.seeding.torrentPort, 8081)
    assert.equal(config.trustProxy, false)
    assert.equal(config.eventStreamsPerAddress, 10)
    assert.equal(parseOriginConfig({ FEDSWARM_EVENT_STREAMS_PER_ADDRESS: '200' }).eventStreamsPerAddress, 200)
    assert.equal(config.redis, undefined)
    assert.deepEqual(parseOriginConfig({ REDIS_URL: 'redis://:secret@cache:6379/2' }).redis, { url: 'redis://:secret@cache:6379/2', prefix: 'fedswarm:' })
    assert.equal(parseOriginConfig({ REDIS_URL: 'rediss://cache', FEDSWARM_REDIS_PREFIX: 'media-1:' }).redis?.prefix, 'media-1:')
  })

  it('lets flags win over env, and treats empty env values as unset', function () {
    const config = parseOriginConfig({ PORT: '9000', FEDSWARM_DATA: '/tmp/a', FEDSWARM_PUBLIC_URL: '', S3_BUCKET: '' }, { port: '9100', data: '/tmp/b' })
    assert.equal(config.port, 9100)
    assert.equal(config.dataDir, '/tmp/b')
    assert.equal(config.publicUrl, 'http://localhost:9100')
    assert.equal(config.s3, undefined)
  })

  it('reads S3 settings with Mastodon\'s names', function () {
    const config = parseOriginConfig({ S3_BUCKET: 'media', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' })
    assert.deepEqual(config.s3, { bucket: 'media', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })
  })

  it('refuses bad values with one clear message naming the variable', function () {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'abc' }, /^invalid PORT: must be a port number, 0 to 65535$/],
      [{ PORT: '70000' }, /^invalid PORT: must be a port number, 0 to 65535$/],
      [{ FEDSWARM_PUBLIC_URL: 'ftp://x' }, /FEDSWARM_PUBLIC_URL/],
      [{ FEDSWARM_MAX_MEDIA_SIZE: 'lots' }, /FEDSWARM_MAX_MEDIA_SIZE/],
      [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
      [{ FEDSWARM_EVENT_STREAMS_PER_ADDRESS: '0' }, /FEDSWARM_EVENT_STREAMS_PER_ADDRESS/],
      [{ FEDSWARM_ADMIN_TOKEN: 'short' }, /FEDSWARM_ADMIN_TOKEN/],
      [{ FEDSWARM_MEDIA_TYPES: 'image/svg+xml' }, /SVG/],
      [{ FEDSWARM_MEDIA_TYPES: 'text/html' }, /FEDSWARM_MEDIA_TYPES/],
      [{ AWS_ACCESS_KEY_ID: 'a' }, /AWS_SECRET_ACCESS_KEY/],
      [{ FEDSWARM_DB_SCHEMA: 'Robert"); DROP' }, /FEDSWARM_DB_SCHEMA/],
      [{ FEDSWARM_LOG_LEVEL: 'loud' }, /FEDSWARM_LOG_LEVEL/],
      [{ REDIS_URL: 'http://cache:6379' }, /REDIS_URL/],
      [{ REDIS_URL: 'redis://cache', FEDSWARM_REDIS_PREFIX: 'has space' }, /FEDSWARM_REDIS_PREFIX/]
    ]
    for (const [env, message] of cases) {
      assert.throws(() => parseOriginConfig(env), (err: Error) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env))
    }
  })

  it('names the flag that gave a bad value, and says what is wrong in words', function () {
    assert.throws(() => parseOriginConfig({}, { port: 'abc' }), (err: Error) => err instanceof ConfigError && err.message === 'invalid --port (PORT): must be a port number, 0 to 65535')
    assert.throws(() => parseOriginConfig({ FEDSWARM_MAX_ACTIVE_TORRENTS: 'many' }), (err: Error) => err instanceof ConfigError && err.message === 'invalid FEDSWARM_MAX_ACTIVE_TORRENTS: must be a whole number')
  })

  it('takes FEDSWARM_UPLOAD_CAPACITY, unknown unless stated, takes sizes per second, and is never above the origin\'s own cap', function () {
    assert.equal(parseOriginConfig({}).redirects.uploadCapacity, undefined)
    assert.equal(parseOriginConfig({ FEDSWARM_UPLOAD_CAPACITY: '5MB' }).redirects.uploadCapacity, 5 * 1024 * 1024)
    assert.equal(parseOriginConfig({ FEDSWARM_UPLOAD_CAPACITY: '5000000' }).redirects.uploadCapacity, 5_000_000)
    assert.equal(parseOriginConfig({ FEDSWARM_UPLOAD_CAPACITY: '5MB', FEDSWARM_UPLOAD_LIMIT: '1MB' }).redirects.uploadCapacity, 1024 * 1024)
    assert.equal(parseOriginConfig({ FEDSWARM_UPLOAD_LIMIT: '1MB' }).redirects.uploadCapacity, undefined, 'a cap alone keeps redirects as they were')
  })

  it('refuses a FEDSWARM_UPLOAD_CAPACITY that is not a size, or too small to be a link', function () {
    assert.throws(() => parseOriginConfig({ FEDSWARM_UPLOAD_CAPACITY: 'fast' }), /FEDSWARM_UPLOAD_CAPACITY.*not a size/)
    assert.throws(() => parseOriginConfig({ FEDSWARM_UPLOAD_CAPACITY: '0' }), /FEDSWARM_UPLOAD_CAPACITY.*at least 1KB/)
  })

  it('parses sizes with binary units', function () {
    assert.equal(parseSize('512'), 512)
    assert.equal(parseSize('100MB'), 100 * 1024 * 1024)
    assert.equal(parseSize('1.5 GiB'), 1.5 * 1024 ** 3)
    assert.equal(parseSize('64k'), 65536)
    assert.throws(() => parseSize('12 parsecs'))
    assert.throws(() => parseSize('-1'))
  })

  it('parses durations', function () {
    assert.equal(parseDuration('90'), 90_000)
    assert.equal(parseDuration('15m'), 900_000)
    assert.equal(parseDuration('2h'), 7_200_000)
    assert.equal(parseDuration('250ms'), 250)
    assert.throws(() => parseDuration('soon'))
  })
})
