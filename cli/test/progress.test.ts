import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { mebibytes, progress } from '../src/progress.ts'

/** A stderr stand-in that records what is written; a terminal 100 columns wide, or not a terminal. */
function stream (isTTY: boolean): { out: NodeJS.WriteStream, text: () => string } {
  const chunks: string[] = []
  const out = new Writable({ write (chunk: Buffer, _encoding, done) { chunks.push(chunk.toString()); done() } }) as unknown as NodeJS.WriteStream
  Object.assign(out, { isTTY, columns: 100 })
  return { out, text: () => chunks.join('') }
}

describe('progress display', function () {
  it('draws a bar with the label, the percentage and MiB on a terminal, and ends its line', function () {
    const { out, text } = stream(true)
    const bar = progress('uploading x.png', { stream: out })
    bar.update(0, 3 * 1024 ** 2)
    bar.update(3 * 1024 ** 2, 3 * 1024 ** 2)
    bar.stop()
    bar.stop()
    assert.match(text(), /uploading x\.png \[[^\]]+\] 100% 3\.0 MiB of 3\.0 MiB/)
    assert.ok(text().endsWith('\n'), JSON.stringify(text().slice(-20)))
  })

  it('says how far in the words it is given', function () {
    const { out, text } = stream(true)
    const bar = progress('acknowledgements', { stream: out, describe: (done, total) => `${done} of ${total} seeders` })
    bar.update(2, 3)
    bar.stop()
    assert.match(text(), /acknowledgements \[[^\]]+\] 66% 2 of 3 seeders/)
  })

  it('writes nothing off a terminal', function () {
    const { out, text } = stream(false)
    const bar = progress('fetching', { stream: out })
    bar.update(1, 2)
    bar.stop()
    assert.equal(text(), '')
  })

  it('sizes in the unit the configuration reads them in (binary)', function () {
    assert.equal(mebibytes(1536 * 1024), '1.5 MiB')
    assert.equal(mebibytes(0), '0.0 MiB')
  })
})
