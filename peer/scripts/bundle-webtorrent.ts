// Run by `npm install` (the root package's postinstall): writes webtorrent and
// its dependencies as one module, for server peers to load at a storm's start
// (peer/src/webtorrent-module.ts says why). A failure (esbuild missing, a
// webtorrent whose code no longer has what CHANGES expects) only costs that
// load its speed: it never fails the install.
import { mkdir, readFile, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WEBTORRENT_BUNDLE } from '../src/webtorrent-module.ts'

/**
 * Packages webtorrent imports for features our client settings turn off
 * (peer-client.ts: `dht`, `lsd`, `natUpnp`, `natPmp` false, no blocklist):
 * each stands in with a constructor that fails loudly should a setting ever
 * turn one on. cross-fetch-ponyfill is Node's own fetch on Node 24 (it loads
 * node-fetch only to ignore it).
 */
const UNUSED = 'export default class NotBundled { constructor () { throw new Error(\'not in the fedswarm webtorrent bundle: turned off in peer-client.ts\') } }\n'
const STUBS: Record<string, string> = {
  'bittorrent-dht': `${UNUSED}export const Client = NotBundled\n`,
  'bittorrent-lsd': UNUSED,
  '@silentbot1/nat-api': UNUSED,
  'load-ip-set': 'export default function loadIPSet () { throw new Error(\'not in the fedswarm webtorrent bundle: no blocklist is used\') }\n',
  'cross-fetch-ponyfill': 'export default globalThis.fetch\n'
}

/** A change to webtorrent's own code: `from`, found exactly once in `file` (under webtorrent/), becomes `to`. */
interface CodeChange { file: string, from: string, to: string }

/**
 * The change made to webtorrent itself, for server peers; the bundle is not
 * written if the code to change is not found as expected.
 *
 * `Torrent._update` runs the request scheduling of every wire of the
 * torrent, and webtorrent calls it on each message that may change what to
 * ask for: every `have`. In a storm each piece a seeder verifies is
 * announced to all its peers, so each of twenty seeders re-ran the
 * scheduling of its twenty wires for every one of some 1,200 `have`s, the
 * closures of each run a good part of what its garbage collector then had
 * to clear. In browsers webtorrent already defers the run to an idle
 * callback; here it is deferred to a microtask and runs once for all the
 * messages of one read (in a 20-seeder storm on 2 cores: about a tenth less
 * seeder CPU).
 */
const CHANGES: CodeChange[] = [{
  file: 'lib/torrent.js',
  from: `  _update () {
    if (IDLE_CALLBACK) {
      IDLE_CALLBACK(() => this._updateWireWrapper(), { timeout: 250 })
    } else {
      this._updateWireWrapper()
    }
  }`,
  to: `  _update () {
    if (this.fedswarmUpdateQueued) return
    this.fedswarmUpdateQueued = true
    queueMicrotask(() => {
      this.fedswarmUpdateQueued = false
      this._updateWireWrapper()
    })
  }`
}]

/** `code` of webtorrent's `file` with its changes made; throws if one does not apply once. */
function changed (file: string, code: string): string {
  for (const change of CHANGES.filter((each) => each.file === file)) {
    const parts = code.split(change.from)
    if (parts.length !== 2) throw new Error(`webtorrent's ${file} is not the code this bundle changes (peer/scripts/bundle-webtorrent.ts)`)
    code = parts.join(change.to)
  }
  return code
}

/**
 * Loaded at run time from node_modules as the package would: native and
 * optional modules, and speed-limiter, whose upload bucket peer-client.ts
 * makes and hands to the client (one copy of the class on both sides).
 */
const EXTERNAL = ['utp-native', 'bufferutil', 'utf-8-validate', 'node-datachannel', '@roamhq/wrtc', 'webrtc-polyfill', 'fs-native-extensions', 'speed-limiter']

const out = fileURLToPath(WEBTORRENT_BUNDLE)
try {
  const { build } = await import('esbuild')
  await rm(out, { force: true })
  await mkdir(dirname(out), { recursive: true })
  await build({
    entryPoints: [fileURLToPath(import.meta.resolve('webtorrent'))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    // Function and class names stay, for stack traces in the logs.
    keepNames: true,
    outfile: out,
    logLevel: 'error',
    external: EXTERNAL,
    // The CommonJS inside calls require() for Node's own modules.
    banner: { js: 'import { createRequire as fedswarmCreateRequire } from \'node:module\'; const require = fedswarmCreateRequire(import.meta.url);' },
    plugins: [{
      name: 'unused-features',
      setup (builder) {
        const names = new RegExp(`^(${Object.keys(STUBS).map((name) => name.replace(/[/@-]/g, '\\$&')).join('|')})$`)
        builder.onResolve({ filter: names }, (args) => ({ path: args.path, namespace: 'fedswarm-stub' }))
        builder.onLoad({ filter: /.*/, namespace: 'fedswarm-stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }))
      }
    }, {
      name: 'webtorrent-changes',
      setup (builder) {
        const files = [...new Set(CHANGES.map((change) => change.file))]
        builder.onLoad({ filter: /[\\/]webtorrent[\\/]lib[\\/][a-z-]+\.js$/ }, async (args) => {
          const file = files.find((name) => args.path.endsWith(`/webtorrent/${name}`))
          if (file === undefined) return undefined
          return { contents: changed(file, await readFile(args.path, 'utf8')), loader: 'js', resolveDir: dirname(args.path) }
        })
      }
    }]
  })
} catch (err) {
  await rm(out, { force: true }).catch(() => {})
  console.warn(`fedswarm: could not bundle webtorrent (${(err as Error).message.split('\n')[0]}); server peers will load the package as it is, more slowly`)
}
