import assert from 'node:assert/strict'
import { canonicalAddress, parseServerAddress } from '@fedswarm/runtime'

describe('the addresses a seeder may claim for its own server', function () {
  it('takes addresses and prefixes up to IPv4 /24 and IPv6 /48, in one canonical form', function () {
    const cases: Array<[string, string]> = [
      ['192.0.2.7', '192.0.2.7/32'],
      [' 192.0.2.7/32 ', '192.0.2.7/32'],
      ['192.0.2.0/24', '192.0.2.0/24'],
      ['192.0.2.77/24', '192.0.2.0/24'],
      ['192.0.2.64/26', '192.0.2.64/26'],
      ['2001:db8:5::/48', '2001:db8:5::/48'],
      ['2001:DB8:5:1:2::9/48', '2001:db8:5::/48'],
      ['2001:db8::1', '2001:db8::1/128'],
      ['::ffff:192.0.2.7', '192.0.2.7/32'],
      ['::ffff:192.0.2.0/120', '192.0.2.0/24']
    ]
    for (const [text, prefix] of cases) assert.equal(parseServerAddress(text), prefix, text)
  })

  it('refuses a prefix wider than one site, saying so', function () {
    for (const text of ['192.0.2.0/23', '10.0.0.0/8', '0.0.0.0/0', '2001:db8::/47', '::/0', '::ffff:192.0.2.0/112']) {
      assert.throws(() => parseServerAddress(text), /wider than IPv[46] \/(24|48)/, text)
    }
  })

  it('refuses what is not an address or a prefix', function () {
    for (const text of ['', 'example.com', '192.0.2', '127.1', '0x7f.0.0.1', '192.0.2.7/33', '192.0.2.7/024', '192.0.2.0/24/1', '192.0.2.0/', 'fe80::1%eth0', '2001:db8::/129', '192.0.2.7/-1']) {
      assert.throws(() => parseServerAddress(text), /not an IP address or a prefix|prefix length is 0 to/, text)
    }
  })

  it('compares addresses in one form: IPv4-mapped as IPv4, IPv6 compressed', function () {
    assert.equal(canonicalAddress('::ffff:127.0.0.2'), '127.0.0.2')
    assert.equal(canonicalAddress('2001:0db8:0000::0001'), '2001:db8::1')
    assert.equal(canonicalAddress('127.0.0.1'), '127.0.0.1')
    assert.equal(canonicalAddress('localhost'), undefined)
    assert.equal(canonicalAddress('127.1'), undefined)
  })
})
