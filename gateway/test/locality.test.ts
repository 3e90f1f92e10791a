import assert from 'node:assert/strict'
import { claimedPrefixes, localityIndex, seenAddresses, type LocalityClaim } from '../src/mirrors/locality.ts'

const claim = (domain: string, declared: string[] | null, seen: string[], listed = true): LocalityClaim => ({ domain, declared, seen, listed })

describe('locality: which seeder an address belongs to (pure rules)', function () {
  it('counts the seen addresses of any claim, and declared prefixes only of listed seeders', function () {
    assert.deepEqual(claimedPrefixes(claim('a', null, ['198.51.100.7'])), [], 'no claim, no locality: a seeder opts in')
    assert.deepEqual(claimedPrefixes(claim('a', [], ['198.51.100.7', '2001:db8::7'])), ['198.51.100.7/32', '2001:db8::7/128'])
    assert.deepEqual(claimedPrefixes(claim('a', ['203.0.113.0/24'], ['198.51.100.7'], false)), ['198.51.100.7/32'])
    assert.deepEqual(claimedPrefixes(claim('a', ['203.0.113.0/24'], ['198.51.100.7'], true)), ['198.51.100.7/32', '203.0.113.0/24'])
  })

  it('gives an address to the one seeder whose claim covers it', function () {
    const index = localityIndex([
      claim('a', ['203.0.113.0/24'], ['198.51.100.7']),
      claim('b', ['2001:db8:5::/48'], []),
      claim('stranger', ['192.0.2.0/24'], ['198.51.100.9'], false)
    ])
    assert.equal(index.ownerOf('203.0.113.200'), 'a')
    assert.equal(index.ownerOf('::ffff:203.0.113.200'), 'a')
    assert.equal(index.ownerOf('198.51.100.7'), 'a')
    assert.equal(index.ownerOf('2001:db8:5:ffff::1'), 'b')
    assert.equal(index.ownerOf('198.51.100.9'), 'stranger', 'an unlisted seeder keeps the addresses it was seen at')
    assert.equal(index.ownerOf('192.0.2.1'), undefined, 'an unlisted seeder\'s declared prefix does not count')
    assert.equal(index.ownerOf('203.0.114.1'), undefined)
    assert.equal(index.ownerOf('2001:db8:6::1'), undefined)
    assert.equal(index.ownerOf('not an address'), undefined)
    assert.equal(localityIndex([]).ownerOf('203.0.113.1'), undefined)
  })

  it('gives an overlap to neither seeder, and leaves the rest of each claim alone', function () {
    const index = localityIndex([
      claim('a', ['203.0.113.0/24'], []),
      claim('b', ['203.0.113.128/25'], []),
      claim('c', ['198.51.100.0/24'], []),
      claim('d', [], ['198.51.100.7'], false)
    ])
    assert.equal(index.ownerOf('203.0.113.1'), 'a')
    assert.equal(index.ownerOf('203.0.113.129'), undefined)
    assert.equal(index.ownerOf('198.51.100.7'), undefined, 'a seen address inside a listed seeder\'s prefix cancels both')
    assert.equal(index.ownerOf('198.51.100.8'), 'c')
    const twice = localityIndex([claim('a', ['203.0.113.0/24', '203.0.113.0/25'], ['203.0.113.5'])])
    assert.equal(twice.ownerOf('203.0.113.5'), 'a', 'one seeder covering an address twice is still one')
  })

  it('keeps the seen addresses that may count: canonical, once each, public unless private ones are allowed', function () {
    assert.deepEqual(seenAddresses(['::ffff:8.8.4.4', '8.8.4.4', undefined, 'garbage', '2606:4700::1111', '198.51.100.7', '2001:db8::1'], false), ['8.8.4.4', '2606:4700::1111'],
      'documentation ranges are not public unicast either')
    assert.deepEqual(seenAddresses(['8.8.8.8', '127.0.0.1', '10.0.0.1', '::1'], false), ['8.8.8.8'])
    assert.deepEqual(seenAddresses(['8.8.8.8', '::ffff:127.0.0.1', '10.0.0.1'], true), ['8.8.8.8', '127.0.0.1', '10.0.0.1'])
  })
})
