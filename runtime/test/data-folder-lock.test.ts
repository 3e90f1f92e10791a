import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, type TempDir } from '@fedswarm/testkit'
import { DataFolderInUseError, lockDataFolder } from '@fedswarm/runtime'

/** A process that runs until killed: the holder of a live lock. */
function idleProcess (): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' })
}

describe('data folder lock', function () {
  let dir: TempDir
  const children: ChildProcess[] = []
  beforeEach(async function () {
    dir = await tempDir('fedswarm-lock-')
  })
  afterEach(async function () {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await once(child, 'exit')
      }
    }
    await dir.remove()
  })

  it('takes the folder with this pid in dir/lock, and release removes it', async function () {
    const lock = await lockDataFolder(dir.path)
    assert.equal((await readFile(join(dir.path, 'lock'), 'utf8')).trim(), String(process.pid))
    await lock.release()
    await lock.release()
    assert.deepEqual(await readdir(dir.path), [])
  })

  it('refuses a folder a running process holds, naming the folder and the pid', async function () {
    const holder = idleProcess()
    children.push(holder)
    await writeFile(join(dir.path, 'lock'), `${holder.pid}\n`)
    await assert.rejects(lockDataFolder(dir.path), (err: unknown) => {
      assert.ok(err instanceof DataFolderInUseError)
      assert.equal(err.pid, holder.pid)
      assert.ok(err.message.includes(dir.path) && err.message.includes(`pid ${holder.pid}`), err.message)
      return true
    })
    assert.equal((await readFile(join(dir.path, 'lock'), 'utf8')).trim(), String(holder.pid), 'the holder keeps its lock')
    assert.deepEqual((await readdir(dir.path)).sort(), ['lock'])
  })

  it('takes over a lock whose process is gone, or that names no process', async function () {
    const gone = idleProcess()
    children.push(gone)
    gone.kill('SIGKILL')
    await once(gone, 'exit')
    for (const stale of [`${gone.pid}\n`, 'not a pid\n', '']) {
      await writeFile(join(dir.path, 'lock'), stale)
      const lock = await lockDataFolder(dir.path)
      assert.equal((await readFile(join(dir.path, 'lock'), 'utf8')).trim(), String(process.pid), JSON.stringify(stale))
      await lock.release()
    }
    assert.deepEqual(await readdir(dir.path), [])
  })

  it('release leaves a lock another process holds now', async function () {
    const lock = await lockDataFolder(dir.path)
    const holder = idleProcess()
    children.push(holder)
    await writeFile(join(dir.path, 'lock'), `${holder.pid}\n`)
    await lock.release()
    assert.equal((await readFile(join(dir.path, 'lock'), 'utf8')).trim(), String(holder.pid))
  })
})
