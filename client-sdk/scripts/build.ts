// The published package, built from nothing (`npm run build`): declarations
// by tsc, JS by esbuild. @fedswarm/protocol is a workspace package that is
// not published, so the JS bundles it in (webtorrent stays a dependency) and
// the declarations carry the protocol's own declaration of what they name
// from it: the manifest (dist/protocol/).

import { execFileSync } from 'node:child_process'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { bundleForBrowser } from './bundle.ts'

const PACKAGE = fileURLToPath(new URL('..', import.meta.url))
const DIST = join(PACKAGE, 'dist')
const PROTOCOL = '@fedswarm/protocol'
/** Where the protocol's declarations land (tsconfig.protocol.json), as the SDK's declarations import it. */
const PROTOCOL_DECLARATIONS = './protocol/manifest.ts'

await rm(DIST, { recursive: true, force: true })
execFileSync('tsc', ['-p', join(PACKAGE, 'tsconfig.build.json')], { stdio: 'inherit' })
execFileSync('tsc', ['-p', join(PACKAGE, 'tsconfig.protocol.json')], { stdio: 'inherit' })
await pointDeclarationsAtProtocolCopy()
await build({
  entryPoints: [join(PACKAGE, 'src', 'index.ts')],
  outfile: join(DIST, 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  external: ['webtorrent'],
  logLevel: 'warning'
})
await bundleForBrowser()

async function pointDeclarationsAtProtocolCopy (): Promise<void> {
  for (const name of await readdir(DIST)) {
    if (!name.endsWith('.d.ts')) continue
    const path = join(DIST, name)
    const text = await readFile(path, 'utf8')
    const pointed = text.replaceAll(`from '${PROTOCOL}'`, `from '${PROTOCOL_DECLARATIONS}'`)
    if (/from '@fedswarm\//.test(pointed)) throw new Error(`${name} imports a workspace package the build does not ship`)
    if (pointed !== text) await writeFile(path, pointed)
  }
}
