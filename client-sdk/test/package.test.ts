// The package as published: `npm run build -w client-sdk` makes ESM, .d.ts
// and the browser bundle in dist/; the JS runs in Node, the declarations
// type-check for an app with neither Node's types nor webtorrent's, nothing
// needs an unpublished workspace package, and the bundle pulls in no Node
// built-in.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { tempDir, type TempDir } from '@fedswarm/testkit'
import { bytesOf, manifestFor, tableFetch } from './fixtures.ts'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PACKAGE = join(ROOT, 'client-sdk')
const DIST = join(PACKAGE, 'dist')

describe('client SDK: the built package', function () {
  this.timeout(60_000)
  let dir: TempDir

  before(async () => {
    await run('npm', ['run', 'build', '-w', 'client-sdk', '--silent'], { cwd: ROOT })
    dir = await tempDir('fedswarm-client-consumer-')
  })
  after(async () => { await dir?.remove() })

  it('package.json: ESM, types, a browser entry, only dist published, no `node` dependency', async () => {
    const pkg = JSON.parse(await readFile(join(PACKAGE, 'package.json'), 'utf8')) as Record<string, unknown> & { dependencies: Record<string, string>, exports: Record<string, unknown> }
    assert.equal(pkg.name, '@fedswarm/client')
    assert.equal(pkg.type, 'module')
    assert.deepEqual(pkg.files, ['dist'])
    assert.equal(pkg.private, undefined)
    assert.deepEqual(Object.keys(pkg.dependencies), ['webtorrent'])
    assert.deepEqual(pkg.exports['.'], { 'fedswarm-source': './src/index.ts', types: './dist/index.d.ts', browser: './dist/fedswarm-client.browser.js', default: './dist/index.js' })
  })

  it('the built JS runs in Node', async () => {
    const sdk = await import(join(DIST, 'index.js')) as typeof import('../src/index.ts')
    const bytes = randomBytes(1000)
    const manifest = manifestFor(bytes)
    const { bytes: got, report } = await sdk.fetchMedia(manifest, { fetch: tableFetch({ [manifest.url]: () => bytesOf(bytes) }) })
    assert.deepEqual(Buffer.from(got), bytes)
    assert.equal(report.fromOrigin, 1000)
    assert.equal(new sdk.DeletedError('x').code, 'media_deleted')
  })

  it('the declarations type-check in an app without Node or webtorrent types', async () => {
    await mkdir(join(dir.path, 'node_modules', '@fedswarm'), { recursive: true })
    await symlink(PACKAGE, join(dir.path, 'node_modules', '@fedswarm', 'client'))
    await writeFile(join(dir.path, 'package.json'), JSON.stringify({ type: 'module' }))
    await writeFile(join(dir.path, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], strict: true, noEmit: true, skipLibCheck: false, types: [] },
      files: ['app.ts']
    }))
    await writeFile(join(dir.path, 'app.ts'), [
      "import { createClient, fetchMedia, DeletedError, type FetchResult } from '@fedswarm/client'",
      'const client = createClient({ share: false })',
      "const result: FetchResult = await fetchMedia('https://origin.example/media/01', { timeoutMs: 5000, onProgress: (p) => console.log(p.loaded / p.total) })",
      'console.log(result.report.fromPeers + result.bytes.length, DeletedError.name)',
      'await client.close()',
      ''
    ].join('\n'))
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc')
    const checked = await run(tsc, ['-p', dir.path]).then(() => '', (err: { stdout?: string, message: string }) => err.stdout ?? err.message)
    assert.equal(checked, '')
  })

  it('nothing published imports a workspace package (the protocol is bundled in, its manifest declaration shipped beside)', async () => {
    for (const name of await readdir(DIST, { recursive: true })) {
      if (!/\.(js|d\.ts)$/.test(name)) continue
      assert.doesNotMatch(await readFile(join(DIST, name), 'utf8'), /(from|import\()\s*["']@fedswarm\//, name)
    }
  })

  it('the browser bundle is one ESM file with no Node built-in', async () => {
    const bundle = await readFile(join(DIST, 'fedswarm-client.browser.js'), 'utf8')
    assert.doesNotMatch(bundle, /(from|import\()\s*["'](node:|fs["']|net["']|dgram["'])/)
    assert.match(bundle, /export\s*\{[^}]*fetchMedia/)
  })
})
