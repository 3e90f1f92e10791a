import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { parseRefusalHash, sha256Hex } from '../src/refusal-hash.ts'
import { parseRefuseList } from '../src/refuse-list.ts'

const INFO_HASH = 'ab'.repeat(20)
const SHA_HEX = createHash('sha256').update('some bytes').digest('hex')
const SHA_B64 = createHash('sha256').update('some bytes').digest('base64url')

describe('refusal hashes', function () {
  it('takes an info hash, a hex sha256 and the manifest\'s base64url sha256, in lowercase hex', function () {
    assert.deepEqual(parseRefusalHash(INFO_HASH), { kind: 'info_hash', hash: INFO_HASH })
    assert.deepEqual(parseRefusalHash(INFO_HASH.toUpperCase()), { kind: 'info_hash', hash: INFO_HASH })
    assert.deepEqual(parseRefusalHash(SHA_HEX), { kind: 'sha256', hash: SHA_HEX })
    assert.deepEqual(parseRefusalHash(SHA_B64), { kind: 'sha256', hash: SHA_HEX })
    assert.equal(sha256Hex(SHA_B64), SHA_HEX)
  })

  it('refuses anything else', function () {
    for (const text of ['', 'ab'.repeat(19), `${INFO_HASH}0`, `${INFO_HASH.slice(0, 39)}g`, SHA_HEX.slice(1), `${SHA_B64}=`, SHA_B64.slice(1), `${SHA_B64.slice(0, 42)}+`, ` ${INFO_HASH}`, '../../etc/passwd']) {
      assert.equal(parseRefusalHash(text), undefined, JSON.stringify(text))
    }
  })
})

describe('refuse list files', function () {
  it('reads one hash a line with an optional reason, skipping comments and blank lines', function () {
    const text = [
      '# shared list, 2025-01',
      '',
      `${INFO_HASH}`,
      `   ${SHA_HEX.toUpperCase()}\tcourt order 12/2025  `,
      // The same bytes in the manifest's form: a repeat.
      `${SHA_B64} # spam wave`,
      `${'cd'.repeat(20)} # spam wave`,
      '   # an indented comment',
      ''
    ].join('\r\n')
    assert.deepEqual(parseRefuseList(text), {
      entries: [
        { kind: 'info_hash', hash: INFO_HASH, reason: '' },
        { kind: 'sha256', hash: SHA_HEX, reason: 'court order 12/2025' },
        { kind: 'info_hash', hash: 'cd'.repeat(20), reason: 'spam wave' }
      ],
      problems: []
    })
  })

  it('reports a bad line with its number and applies the rest', function () {
    const text = ['# list', 'not-a-hash reason', INFO_HASH, 'ab'.repeat(19), `${SHA_HEX} ${'x'.repeat(1001)}`, `${SHA_HEX} ok`].join('\n')
    const { entries, problems } = parseRefuseList(text)
    assert.deepEqual(entries, [{ kind: 'info_hash', hash: INFO_HASH, reason: '' }, { kind: 'sha256', hash: SHA_HEX, reason: 'ok' }])
    assert.deepEqual(problems.map((p) => p.line), [2, 4, 5])
    assert.match(problems[0]!.message, /"not-a-hash" is neither an info hash/)
    assert.match(problems[2]!.message, /longer than 1000 characters/)
  })

  it('keeps the first of repeated hashes, and reads an empty file as no entries', function () {
    assert.deepEqual(parseRefuseList(`${INFO_HASH} first\n${INFO_HASH.toUpperCase()} second\n`).entries, [{ kind: 'info_hash', hash: INFO_HASH, reason: 'first' }])
    assert.deepEqual(parseRefuseList(''), { entries: [], problems: [] })
    assert.deepEqual(parseRefuseList('\n\n# only comments\n'), { entries: [], problems: [] })
  })
})
