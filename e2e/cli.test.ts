// The `fedswarm` command line as a user meets it: exit codes (0 ok, 1 failure,
// 2 usage) and, on any mistake, exactly one line on stderr, never a stack.

import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { freePort, pngBytes, tempDir, type TempDir } from '@fedswarm/testkit'
import { runCli, startOriginProcess, type CliResult, type OriginProcess } from '@fedswarm/process-fixture'

/** The one-line failure contract: exit `code`, stdout empty, stderr a single `fedswarm: ...` line without a stack. */
function assertOneLineFailure (result: CliResult, code: number, pattern?: RegExp): string {
  const shown = `exit ${result.code} (signal ${result.signal})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
  assert.equal(result.code, code, shown)
  assert.equal(result.stdout, '', shown)
  assert.ok(!result.stderr.includes('    at '), `no stack trace\n${shown}`)
  const lines = result.stderr.split('\n')
  assert.equal(lines.at(-1), '', `stderr ends with a newline\n${shown}`)
  assert.equal(lines.length, 2, `stderr is one line\n${shown}`)
  const line = lines[0]!
  assert.match(line, /^fedswarm: \S/, shown)
  if (pattern !== undefined) assert.match(line, pattern, shown)
  return line
}

/** A runner that lets at most `limit` tasks run at a time; each call settles as its task does. */
function limited<T> (limit: number): (task: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: Array<() => void> = []
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    active += 1
    try { return await task() } finally {
      active -= 1
      waiting.shift()?.()
    }
  }
}

interface Failure {
  name: string
  args (paths: { png: string, files: string, data: string, freePort: number }): string[]
  env?: Record<string, string>
  code: 1 | 2
  message: RegExp
}

const NOBODY = 'http://127.0.0.1:1'

/** Mistakes caught before any origin is needed: one line on stderr each. */
const failures: Failure[] = [
  { name: 'an unknown command', args: () => ['frobnicate'], code: 2, message: /unknown command "frobnicate".*origin.*publish/ },
  { name: 'origin --port abc', args: () => ['origin', '--port', 'abc'], code: 2, message: /PORT/ },
  { name: 'origin --bogus', args: () => ['origin', '--bogus'], code: 2, message: /bogus/ },
  { name: 'origin with FEDSWARM_MAX_MEDIA_SIZE=garbage', args: () => ['origin'], env: { FEDSWARM_MAX_MEDIA_SIZE: 'garbage' }, code: 2, message: /FEDSWARM_MAX_MEDIA_SIZE/ },
  { name: 'origin with a DATABASE_URL that is not postgres://', args: () => ['origin'], env: { DATABASE_URL: 'mysql://x' }, code: 2, message: /DATABASE_URL/ },
  { name: 'origin with a REDIS_URL that is not redis://', args: () => ['origin'], env: { REDIS_URL: 'http://127.0.0.1:6379' }, code: 2, message: /REDIS_URL/ },
  { name: 'origin with a Redis nobody listens on', args: () => ['origin'], env: { REDIS_URL: 'redis://127.0.0.1:1' }, code: 2, message: /cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\)/ },
  { name: 'origin with AWS_ACCESS_KEY_ID but no secret', args: () => ['origin'], env: { AWS_ACCESS_KEY_ID: 'x' }, code: 2, message: /AWS_SECRET_ACCESS_KEY/ },
  { name: 'origin on a data folder that cannot be made', args: (p) => ['origin', '--data', join(p.png, 'data')], code: 1, message: /ENOTDIR.*picture\.png/ },
  { name: 'origin with a PostgreSQL nobody listens on', args: (p) => ['origin'], env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' }, code: 1, message: /ECONNREFUSED/ },
  { name: 'publish without FILE', args: () => ['publish', '--origin', NOBODY, '--token', 't'], code: 2, message: /FILE/ },
  { name: 'publish without --origin', args: (p) => ['publish', p.png, '--token', 't'], code: 2, message: /--origin/ },
  { name: 'publish without a token (flag or FEDSWARM_ADMIN_TOKEN)', args: (p) => ['publish', p.png, '--origin', NOBODY], code: 2, message: /--token/ },
  { name: 'publish with an --origin that is not a URL', args: (p) => ['publish', p.png, '--origin', 'not a url', '--token', 't'], code: 2, message: /--origin "not a url" is not an http\(s\) URL/ },
  { name: 'publish with an --origin without a scheme', args: (p) => ['publish', p.png, '--origin', 'localhost:18080', '--token', 't'], code: 2, message: /--origin "localhost:18080" is not an http\(s\) URL: try http:\/\/localhost:18080/ },
  { name: 'publish with an unknown flag', args: (p) => ['publish', p.png, '--origin', NOBODY, '--token', 't', '--bogus'], code: 2, message: /bogus/ },
  { name: 'publish a missing file', args: (p) => ['publish', join(p.files, 'nope.png'), '--origin', NOBODY, '--token', 't'], code: 1, message: /cannot read .*nope\.png: no such file$/ },
  { name: 'publish a folder', args: (p) => ['publish', p.files, '--origin', NOBODY, '--token', 't'], code: 1, message: /not a file/ },
  { name: 'publish to an origin nobody listens on', args: (p) => ['publish', p.png, '--origin', `http://127.0.0.1:${p.freePort}`, '--token', 't'], code: 1, message: /cannot reach http:\/\/127\.0\.0\.1:\d+/ },
  { name: 'seeder refuse without HASH', args: () => ['seeder', 'refuse', '--reason', 'r', '--token', 't', '--seeder', NOBODY], code: 2, message: /exactly one info hash or sha256/ },
  { name: 'seeder refuse with a HASH that is none', args: () => ['seeder', 'refuse', 'abc', '--reason', 'r', '--token', 't', '--seeder', NOBODY], code: 2, message: /"abc" is neither an info hash/ },
  { name: 'seeder refuse without --reason', args: () => ['seeder', 'refuse', 'a'.repeat(40), '--token', 't', '--seeder', NOBODY], code: 2, message: /--reason TEXT is required/ },
  { name: 'seeder refuse with a --reason too long', args: () => ['seeder', 'refuse', 'a'.repeat(40), '--reason', 'r'.repeat(1001), '--token', 't', '--seeder', NOBODY], code: 2, message: /longer than 1000/ },
  { name: 'seeder refuse with a --seeder that is not a URL', args: () => ['seeder', 'refuse', 'a'.repeat(40), '--reason', 'r', '--token', 't', '--seeder', 'nope'], code: 2, message: /--seeder "nope" is not an http\(s\) URL/ },
  { name: 'seeder refuse with a --data folder holding no token', args: (p) => ['seeder', 'refuse', 'a'.repeat(40), '--reason', 'r', '--data', join(p.files, 'no-seeder'), '--seeder', NOBODY], code: 2, message: /no admin token in .*no-seeder\/admin-token/ },
  { name: 'seeder refuse with an unknown flag', args: () => ['seeder', 'refuse', 'a'.repeat(40), '--reason', 'r', '--origin', NOBODY], code: 2, message: /origin/ },
  { name: 'seeder refuse to a seeder nobody listens on', args: (p) => ['seeder', 'refuse', 'a'.repeat(40), '--reason', 'r', '--token', 't', '--seeder', `http://127.0.0.1:${p.freePort}`], code: 1, message: /cannot reach http:\/\/127\.0\.0\.1:\d+/ }
]

describe('fedswarm command line', function () {
  this.timeout(20_000)
  let files: TempDir
  let data: TempDir
  let png: string
  const results = new Map<string, Promise<CliResult>>()

  before(async function () {
    files = await tempDir('fedswarm-e2e-cli-')
    // For the origin cases: they must fail before using it, but if one started it would stay in here.
    data = await tempDir('fedswarm-e2e-cli-data-')
    png = join(files.path, 'picture.png')
    await writeFile(png, pngBytes(5_000))
    const paths = { png, files: files.path, data: data.path, freePort: await freePort() }
    // Node takes most of a second to start: run the cases a few at a time, and check each in its own test.
    const run = limited<CliResult>(Math.max(2, availableParallelism()))
    for (const failure of failures) {
      const result = run(() => runCli(failure.args(paths), { FEDSWARM_DATA: data.path, ...failure.env }))
      result.catch(() => {})
      results.set(failure.name, result)
    }
  })

  after(async function () {
    await Promise.allSettled(results.values())
    await files?.remove()
    await data?.remove()
  })

  it('help prints the usage and exits 0', async function () {
    const result = await runCli(['help'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^Usage: fedswarm <command>/)
    assert.match(result.stdout, /origin/)
    assert.match(result.stdout, /publish/)
    assert.equal(result.stderr, '')
  })

  it('every command\'s --help (or -h) prints its usage and exits 0, before any other check', async function () {
    const cases: Array<[string[], RegExp]> = [
      [['origin', '--help'], /^Usage: fedswarm origin \[--port N\]/],
      [['seeder', '-h'], /^Usage: fedswarm seeder \[--origin URL \.\.\.\][\s\S]*FEDSWARM_ORIGINS/],
      [['seeder', 'refuse', '--help'], /^Usage: fedswarm seeder refuse HASH --reason TEXT/],
      [['publish', '--help'], /^Usage: fedswarm publish FILE --origin URL/],
      [['publish', 'x.png', '--origin', 'not a url', '--help'], /^Usage: fedswarm publish FILE/],
      [['delete', '--help'], /^Usage: fedswarm delete ID --origin URL --reason TEXT/],
      [['get', '-h'], /^Usage: fedswarm get URL/]
    ]
    const all = await Promise.all(cases.map(async ([args, usage]) => ({ args, usage, result: await runCli(args) })))
    for (const { args, usage, result } of all) {
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stdout, usage, args.join(' '))
      assert.equal(result.stderr, '', args.join(' '))
    }
  })

  it('--version prints the version and exits 0', async function () {
    const result = await runCli(['--version'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^fedswarm \d+\.\d+\.\d+\n$/)
  })

  it('no command at all, or --help, prints the usage and exits 0', async function () {
    const all = await Promise.all([[], ['--help']].map(async (args) => ({ args, result: await runCli(args) })))
    for (const { args, result } of all) {
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stdout, /^Usage: fedswarm <command>/)
    }
  })

  for (const failure of failures) {
    it(`${failure.name}: exit ${failure.code}, one line`, async function () {
      assertOneLineFailure(await results.get(failure.name)!, failure.code, failure.message)
    })
  }

  describe('against a running origin', function () {
    const TOKEN = 'e2e-cli-admin-token-0123456789'
    let origin: OriginProcess
    before(async function () {
      origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_MAX_MEDIA_SIZE: '1MB' } })
    })
    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.error(`fedswarm origin output:\n${origin?.output()}`)
    })
    after(async function () {
      // Ctrl-C stops it as cleanly as SIGTERM.
      const status = await origin?.stop('SIGINT')
      if (status !== undefined) assert.deepEqual(status, { code: 0, signal: null }, 'the origin exits cleanly on SIGINT')
    })

    it('does not print a token it did not generate', function () {
      assert.equal(origin.token, undefined)
      assert.doesNotMatch(origin.output(), /Admin token/)
    })

    it('a wrong token: exit 1 with the origin\'s message', async function () {
      assertOneLineFailure(await runCli(['publish', png, '--origin', origin.url, '--token', 'wrong-token-wrong-token']), 1, /HTTP 403: the admin token is wrong \(forbidden\)/)
    })

    it('bytes that are no media: exit 1 with the origin\'s message', async function () {
      const text = join(files.path, 'notes.txt')
      await writeFile(text, 'just some text, not a picture\n')
      assertOneLineFailure(await runCli(['publish', text, '--origin', origin.url, '--token', TOKEN]), 1, /HTTP 415: .*not a recognised media format/)
    })

    it('FEDSWARM_ADMIN_TOKEN stands for --token; a trailing slash on --origin is fine', async function () {
      const result = await runCli(['publish', png, '--origin', `${origin.url}/`], { FEDSWARM_ADMIN_TOKEN: TOKEN })
      assert.equal(result.code, 0, result.stderr)
      const manifest = JSON.parse(result.stdout) as { url: string, size: number }
      assert.equal(manifest.size, 5_000)
      assert.ok(manifest.url.startsWith(`${origin.url}/media/`))
    })

    it('a token that starts with "-" is told to use --token=T, and then reaches the origin', async function () {
      assertOneLineFailure(await runCli(['publish', png, '--origin', origin.url, '--token', '-wrong-token-wrong-token']), 2, /--token=/)
      assertOneLineFailure(await runCli(['publish', png, '--origin', origin.url, '--token=-wrong-token-wrong-token']), 1, /HTTP 403/)
    })

    it('a file over FEDSWARM_MAX_MEDIA_SIZE: exit 1 with the origin\'s 413 message', async function () {
      const big = join(files.path, 'big.png')
      await writeFile(big, pngBytes(3 * 1024 * 1024))
      assertOneLineFailure(await runCli(['publish', big, '--origin', origin.url, '--token', TOKEN]), 1, /HTTP 413: .*1048576 bytes \(body_too_large\)/)
    })

    it('the same file again with --hot: the same item, now hot', async function () {
      const first = await runCli(['publish', png, '--origin', origin.url, '--token', TOKEN])
      const again = await runCli(['publish', png, '--origin', origin.url, '--token', TOKEN, '--hot'])
      assert.equal(first.code, 0, first.stderr)
      assert.equal(again.code, 0, again.stderr)
      const id = (JSON.parse(again.stdout) as { id: string }).id
      assert.equal(id, (JSON.parse(first.stdout) as { id: string }).id)
      const popular = await (await fetch(`${origin.url}/api/popular`)).json() as { items: Array<{ manifest: { id: string }, hot: boolean }> }
      assert.equal(popular.items.find((item) => item.manifest.id === id)?.hot, true)
    })

    it('delete with no seeder registered: says so and exits 0, no "0 of 0"', async function () {
      const published = await runCli(['publish', png, '--origin', origin.url, '--token', TOKEN])
      assert.equal(published.code, 0, published.stderr)
      const { id } = JSON.parse(published.stdout) as { id: string }
      const result = await runCli(['delete', id, '--origin', origin.url, '--token', TOKEN, '--reason', 'e2e'])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stderr, 'done: no seeder is registered with this origin, so none holds a copy to delete\n')
    })

    it('a second origin on the same port: exit 2, one line naming the port', async function () {
      // It opens a fresh embedded database (initdb) before it tries the port: seconds, more on a busy machine.
      this.timeout(60_000)
      assertOneLineFailure(await runCli(['origin'], { PORT: String(origin.port), FEDSWARM_DATA: join(files.path, 'second') }), 2, new RegExp(`${origin.port}.*(in use|EADDRINUSE)`))
    })

    it('a second origin, or a seeder, on the data folder in use: exit 2, one line naming the folder and the process', async function () {
      const inUse = new RegExp(`data folder ${origin.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another process \\(pid ${origin.pid}\\)`)
      const [second, seeder] = await Promise.all([
        runCli(['origin', '--data', origin.dataDir], { PORT: '0' }),
        runCli(['seeder', '--origin', NOBODY], { PORT: '0', FEDSWARM_DATA: origin.dataDir })
      ])
      assertOneLineFailure(second, 2, inUse)
      assertOneLineFailure(seeder, 2, inUse)
      // The running origin still serves, its lock untouched.
      assert.equal((await fetch(`${origin.url}/healthz`)).status, 200)
    })
  })
})
