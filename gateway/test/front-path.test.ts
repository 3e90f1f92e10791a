import assert from 'node:assert/strict'
import fc from 'fast-check'
import { parseFrontPath } from '../src/front/front-path.ts'

describe('front paths (parseFrontPath)', function () {
  it('turns a request path into a key of the store', function () {
    const key = 'media_attachments/files/109/345/678/original/0123456789abcdef.png'
    assert.deepEqual(parseFrontPath(`/${key}`, ''), { kind: 'key', key })
    assert.deepEqual(parseFrontPath(`/system/${key}`, '/system'), { kind: 'key', key })
    assert.deepEqual(parseFrontPath('/cache/accounts/avatars/1/original/a%2Bb.jpg', ''), { kind: 'key', key: 'cache/accounts/avatars/1/original/a+b.jpg' })
  })

  it('leaves the origin\'s own paths, and paths outside the prefix, to the origin', function () {
    for (const path of ['/', '/api/media', '/API/x', '/media/01ARZ3NDEKTSV4RRFFQ69G5FAV', '/announce', '/scrape', '/stats', '/healthz', '/metrics', '/.well-known/fedswarm', '/%61pi/x']) {
      assert.deepEqual(parseFrontPath(path, ''), { kind: 'other' }, path)
    }
    for (const path of ['/media_attachments/x.png', '/systemx/a.png', '/system', '/']) {
      assert.deepEqual(parseFrontPath(path, '/system'), { kind: 'other' }, path)
    }
    // Under a prefix, every name is a key: the origin's routes are outside it.
    assert.deepEqual(parseFrontPath('/system/media/a.png', '/system'), { kind: 'key', key: 'media/a.png' })
  })

  it('refuses anything that could leave the store\'s root, a listing, or the origin\'s own blobs', function () {
    for (const path of [
      '/a/../b', '/a/./b', '/..', '/a/%2e%2e/b', '/a/%2E%2E', '/a%2fb', '/a%2F..%2Fb', '/a%5cb', '/a//b', '/a/', '/a/%00',
      '/a/%0a', '/a/%zz', '/.env', '/a/.hidden', '/fedswarm/01ARZ3NDEKTSV4RRFFQ69G5FAV', '/a/b c'
    ]) {
      assert.equal(parseFrontPath(path, '').kind, 'invalid', path)
    }
    assert.equal(parseFrontPath('/system/../etc/passwd', '/system').kind, 'invalid')
  })

  it('never gives a key with an empty, "." or ".." segment, whatever the path', function () {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom('..', '.', '', '%2e', '%2E%2e', '%2f', 'a', 'b.png', '%5c'), fc.string()), { maxLength: 6 }), (segments) => {
      const parsed = parseFrontPath(`/${segments.join('/')}`, '')
      if (parsed.kind !== 'key') return
      for (const segment of parsed.key.split('/')) assert.ok(segment !== '' && segment !== '.' && segment !== '..' && !segment.includes('\\'), parsed.key)
    }))
  })
})
