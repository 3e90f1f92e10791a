// `fedswarm origin --workers N`: N processes on one port (Node's cluster), a
// dead worker replaced, the data folder held by the primary for all of them,
// SIGTERM draining all of them; refused on the embedded
// database, which processes cannot share.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { eventually, pgSchemaEnv, testDatabaseUrl, testRedisUrl, uniqueRedisPrefix } from '@fedswarm/testkit'
import { runCli, startOriginProcess, type OriginProcess } from '@fedswarm/process-fixture'

const run = promisify(execFile)

/** Pids of the processes whose parent is `pid`. */
async function childrenOf (pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch((err: { stdout?: string, code?: number }) => {
    if (err.code === 1) return { stdout: '' } // pgrep: none matched
    throw err
  })
  return stdout.split('\n').filter(Boolean).map(Number).sort()
}

/** GET /healthz on a new connection each time: a kept-alive one may lead to a killed worker. */
async function health (url: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    http.get(`${url}/healthz`, { agent: false, timeout: 5000 }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    }).on('error', reject).on('timeout', function (this: http.ClientRequest) { this.destroy(new Error('no answer')) })
  })
}

describe('e2e: fedswarm origin --workers', function () {
  this.timeout(120_000)

  it('refuses more than one worker on the embedded database with one line, exit 2', async () => {
    const result = await runCli(['origin', '--workers', '2'], { REDIS_URL: testRedisUrl })
    assert.equal(result.code, 2, result.stderr)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^fedswarm: FEDSWARM_WORKERS=2 needs DATABASE_URL \(PostgreSQL\): the embedded PGlite database cannot be shared by several processes\n$/)
  })

  it('refuses more than one worker without Redis (env FEDSWARM_WORKERS), exit 2', async () => {
    const result = await runCli(['origin'], { FEDSWARM_WORKERS: '3', DATABASE_URL: 'postgres://127.0.0.1:1/none' })
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /^fedswarm: FEDSWARM_WORKERS=3 needs REDIS_URL: .*\n$/)
  })

  it('stops with the first worker\'s one line and its exit code when Redis cannot be reached', async () => {
    const result = await runCli(['origin', '--workers', '2'], { REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://127.0.0.1:1/none' })
    assert.equal(result.code, 2, result.stderr)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^fedswarm: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\): .*\n$/)
  })

  describe('on PostgreSQL and Redis', () => {
    let pg: ReturnType<typeof pgSchemaEnv> | undefined
    let origin: OriginProcess | undefined

    before(async function () {
      if (testDatabaseUrl === undefined || testDatabaseUrl === '') {
        console.error('      skipped: set FEDSWARM_TEST_DATABASE_URL to run the workers test')
        this.skip()
      }
      pg = pgSchemaEnv()
      origin = await startOriginProcess({ args: ['--workers', '2'], env: { ...pg.env, REDIS_URL: testRedisUrl, FEDSWARM_REDIS_PREFIX: uniqueRedisPrefix() }, timeoutMs: 60_000 })
    })
    afterEach(function () {
      if (this.currentTest?.state === 'failed' && origin !== undefined) console.error(`origin output:\n${origin.output()}`)
    })
    after(async () => {
      await origin?.stop()
      await pg?.drop()
    })

    it('runs two workers on one port, replaces a killed one, and drains both on SIGTERM', async () => {
      const o = origin!
      await eventually('both workers to listen', 60_000, async () => o.output().includes('Fedswarm origin: all 2 processes listening') ? true : undefined)
      const workers = await eventually('two workers', 30_000, async () => {
        const pids = await childrenOf(o.pid)
        return pids.length === 2 ? pids : undefined
      })
      process.kill(workers[0]!, 'SIGKILL')
      await eventually('the primary to see the worker die', 10_000, async () => o.output().includes(`(pid ${workers[0]}) exited`) ? true : undefined)
      // The other worker answers on the shared port while the dead one is replaced.
      assert.equal(await health(o.url), 200)
      const replaced = await eventually('a new worker in place of the killed one', 30_000, async () => {
        const pids = await childrenOf(o.pid)
        return pids.length === 2 && !pids.includes(workers[0]!) ? pids : undefined
      })
      assert.ok(replaced.includes(workers[1]!))
      assert.match(o.output(), /origin worker \d \(pid \d+\) exited \(SIGKILL\); restarting it in 1 s/)
      await eventually('the replacement to answer', 30_000, async () => {
        const answers = await Promise.all([1, 2, 3, 4].map(async () => await health(o.url)))
        return answers.every((status) => status === 200) ? true : undefined
      })

      // The primary holds the shared data folder for its workers (a replacement starts beside its lock): another origin on it stops, naming the primary.
      const second = await runCli(['origin', '--port', '0'], { ...pg!.env, FEDSWARM_DATA: o.dataDir })
      assert.equal(second.code, 2, second.stderr)
      assert.match(second.stderr, new RegExp(`^fedswarm: the data folder .* is in use by another process \\(pid ${o.pid}\\)`))

      const status = await o.stop()
      assert.deepEqual(status, { code: 0, signal: null }, o.output())
      for (const pid of replaced) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} is gone`)
      assert.equal(existsSync(join(o.dataDir, 'lock')), false, 'the primary released the data folder')
    })
  })
})
