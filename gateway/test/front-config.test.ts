import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ConfigError, parseOriginConfig } from '@fedswarm/gateway'

const S3 = { S3_BUCKET: 'mastodon', S3_ENDPOINT: 'http://127.0.0.1:9000' }

describe('front config (FEDSWARM_FRONT_*)', function () {
  it('is off by default', function () {
    assert.equal(parseOriginConfig({}).front, undefined)
    assert.equal(parseOriginConfig({ FEDSWARM_FRONT: 'off' }).front, undefined)
  })

  it('reads the server\'s bucket through the S3 settings, or a folder', function () {
    assert.deepEqual(parseOriginConfig({ ...S3, FEDSWARM_FRONT: 's3' }).front, {
      store: 's3', root: undefined, prefix: '', checkIntervalMs: 300_000, cacheSize: 1024 ** 3
    })
    assert.deepEqual(parseOriginConfig({
      FEDSWARM_FRONT: 'fs', FEDSWARM_FRONT_ROOT: 'public/system', FEDSWARM_FRONT_PREFIX: '/system/', FEDSWARM_FRONT_CHECK_INTERVAL: '30s', FEDSWARM_FRONT_CACHE_SIZE: '200MB'
    }).front, { store: 'fs', root: resolve('public/system'), prefix: '/system', checkIntervalMs: 30_000, cacheSize: 200 * 1024 ** 2 })
    assert.equal(parseOriginConfig({ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_FRONT_CACHE_SIZE: '0' }).front?.cacheSize, 0)
  })

  it('takes Mastodon\'s cache buster only with a secret: GET by default, or the method Mastodon is told', function () {
    const SECRET = 'a-long-enough-buster-secret'
    assert.equal(parseOriginConfig({ ...S3, FEDSWARM_FRONT: 's3' }).front?.cacheBuster, undefined)
    assert.deepEqual(parseOriginConfig({ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_CACHE_BUSTER_SECRET: SECRET }).front?.cacheBuster, {
      method: 'GET', header: 'fedswarm-cache-buster-secret', secret: SECRET
    })
    assert.deepEqual(parseOriginConfig({
      ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_CACHE_BUSTER_SECRET: SECRET, FEDSWARM_CACHE_BUSTER_METHOD: 'purge', FEDSWARM_CACHE_BUSTER_SECRET_HEADER: 'X-Purge-Secret'
    }).front?.cacheBuster, { method: 'PURGE', header: 'x-purge-secret', secret: SECRET })
  })

  it('takes the cache buster lines deploy/mastodon.env.production gives Mastodon', async function () {
    const lines = await readFile(new URL('../../deploy/mastodon.env.production', import.meta.url), 'utf8')
    const mastodon = Object.fromEntries([...lines.matchAll(/^(CACHE_BUSTER_[A-Z_]+)=(.*)$/gm)].map((match) => [match[1]!, match[2]!]))
    assert.equal(mastodon.CACHE_BUSTER_ENABLED, 'true')
    const front = parseOriginConfig({
      ...S3,
      FEDSWARM_FRONT: 's3',
      FEDSWARM_CACHE_BUSTER_METHOD: mastodon.CACHE_BUSTER_HTTP_METHOD!,
      FEDSWARM_CACHE_BUSTER_SECRET_HEADER: mastodon.CACHE_BUSTER_SECRET_HEADER!,
      FEDSWARM_CACHE_BUSTER_SECRET: mastodon.CACHE_BUSTER_SECRET!
    }).front
    assert.deepEqual(front?.cacheBuster, { method: 'PURGE', header: 'fedswarm-cache-buster-secret', secret: mastodon.CACHE_BUSTER_SECRET })
  })

  it('stops at start with one line naming what is wrong', function () {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ FEDSWARM_FRONT: 's3' }, /set S3_BUCKET/],
      [{ FEDSWARM_FRONT: 'fs' }, /needs FEDSWARM_FRONT_ROOT/],
      [{ FEDSWARM_FRONT: 'nginx' }, /invalid FEDSWARM_FRONT/],
      [{ FEDSWARM_FRONT_ROOT: '/srv' }, /FEDSWARM_FRONT_ROOT is set but FEDSWARM_FRONT is not/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_FRONT_ROOT: '/srv' }, /FEDSWARM_FRONT_ROOT is for FEDSWARM_FRONT=fs only/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_FRONT_PREFIX: 'system' }, /invalid FEDSWARM_FRONT_PREFIX/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_FRONT_PREFIX: '/a/../b' }, /invalid FEDSWARM_FRONT_PREFIX/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_FRONT_PREFIX: '/api' }, /invalid FEDSWARM_FRONT_PREFIX: must not start with a path the origin itself serves/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_FRONT_CHECK_INTERVAL: '10ms' }, /invalid FEDSWARM_FRONT_CHECK_INTERVAL/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_FRONT_CACHE_SIZE: 'lots' }, /invalid FEDSWARM_FRONT_CACHE_SIZE/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_CACHE_BUSTER_SECRET: 'x'.repeat(20), FEDSWARM_CACHE_BUSTER_METHOD: 'BAN' }, /invalid FEDSWARM_CACHE_BUSTER_METHOD: must be one of GET, PURGE/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_CACHE_BUSTER_SECRET: 'x'.repeat(20), FEDSWARM_CACHE_BUSTER_METHOD: 'HEAD' }, /invalid FEDSWARM_CACHE_BUSTER_METHOD/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_CACHE_BUSTER_METHOD: 'PURGE' }, /FEDSWARM_CACHE_BUSTER_METHOD is set but FEDSWARM_CACHE_BUSTER_SECRET is not/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_CACHE_BUSTER_SECRET: 'short' }, /invalid FEDSWARM_CACHE_BUSTER_SECRET: must be at least 16 characters/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_CACHE_BUSTER_SECRET: 'x'.repeat(20), FEDSWARM_CACHE_BUSTER_SECRET_HEADER: 'X_Secret' }, /invalid FEDSWARM_CACHE_BUSTER_SECRET_HEADER/],
      [{ ...S3, FEDSWARM_FRONT: 's3', FEDSWARM_CACHE_BUSTER_SECRET: 'x'.repeat(20), FEDSWARM_CACHE_BUSTER_SECRET_HEADER: 'Range' }, /invalid FEDSWARM_CACHE_BUSTER_SECRET_HEADER: must be a header of its own/],
      [{ FEDSWARM_CACHE_BUSTER_SECRET: 'x'.repeat(20) }, /FEDSWARM_CACHE_BUSTER_SECRET is set but FEDSWARM_FRONT is not/]
    ]
    for (const [env, message] of cases) {
      assert.throws(() => parseOriginConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env))
    }
  })
})
