import assert from 'node:assert/strict'
import { rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { pino } from 'pino'
import { eventually, tempDir, type TempDir } from '@fedswarm/testkit'
import type { RefuseListEntry } from '../src/refuse-list.ts'
import { watchRefuseList, type RefuseListWatcher } from '../src/refuse-list-watcher.ts'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(64)

describe('the refuse list file, followed as it changes', function () {
  let dir: TempDir
  let path: string
  let watcher: RefuseListWatcher | undefined
  let applied: RefuseListEntry[][]
  let logs: Array<{ msg: string, line?: number }>

  const hashes = (): string[] | undefined => applied.at(-1)?.map((entry) => entry.hash)
  const start = async (options: { maxBytes?: number, checkIntervalMs?: number } = {}): Promise<void> => {
    const log = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as { msg: string }) } })
    watcher = watchRefuseList({ path, log, apply: async (entries) => { applied.push(entries) }, ...options })
    await watcher.start()
  }

  beforeEach(async function () {
    dir = await tempDir('fedswarm-refuse-list-')
    path = join(dir.path, 'refused.txt')
    applied = []
    logs = []
  })
  afterEach(async function () {
    await watcher?.stop()
    watcher = undefined
    await dir.remove()
  })

  it('applies the file at start, logging each bad line with its number', async function () {
    await writeFile(path, `# shared\n${A} spam\nnot-a-hash\n${B}\n`)
    await start()
    assert.deepEqual(applied, [[{ kind: 'info_hash', hash: A, reason: 'spam' }, { kind: 'info_hash', hash: B, reason: '' }]])
    const bad = logs.filter((entry) => entry.line !== undefined)
    assert.equal(bad.length, 1)
    assert.equal(bad[0]!.line, 3)
    assert.match(bad[0]!.msg, /refuse list line 3 skipped: "not-a-hash" is neither/)
  })

  it('applies an edit in place and a file replaced by a rename, without a restart', async function () {
    await writeFile(path, `${A}\n`)
    await start({ checkIntervalMs: 60_000 })
    await writeFile(path, `${A}\n${B}\n`)
    await eventually('the edit applied', 5_000, async () => hashes()?.length === 2 ? true : undefined)
    assert.deepEqual(hashes(), [A, B])
    await writeFile(join(dir.path, 'refused.txt.new'), `${C}\n`)
    await rename(join(dir.path, 'refused.txt.new'), path)
    await eventually('the replacement applied', 5_000, async () => hashes()?.[0] === C ? true : undefined)
    assert.deepEqual(hashes(), [C])
  })

  it('keeps the last good list when the file goes away or grows too large, logging once, and applies it again when it is back', async function () {
    await writeFile(path, `${A}\n`)
    await start({ maxBytes: 1000, checkIntervalMs: 50 })
    await rm(path)
    await eventually('the missing file logged', 5_000, async () => logs.some((entry) => /cannot open it \(ENOENT\)/.test(entry.msg)) ? true : undefined)
    await writeFile(path, `${B}\n`.repeat(30))
    await eventually('the large file logged', 5_000, async () => logs.some((entry) => /1230 bytes, over the limit of 1000/.test(entry.msg)) ? true : undefined)
    // Absence is seen only over time: ten more periodic checks log nothing new and apply nothing.
    const logged = logs.length
    await delay(500)
    assert.equal(logs.length, logged)
    assert.deepEqual(applied, [[{ kind: 'info_hash', hash: A, reason: '' }]])
    await writeFile(path, `${B}\n`)
    await eventually('the good file applied', 5_000, async () => hashes()?.[0] === B ? true : undefined)
    assert.equal(applied.length, 2)
  })
})
