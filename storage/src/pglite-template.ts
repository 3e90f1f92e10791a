import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A fresh PGlite cluster, packed once per installed PGlite version (at `npm install`). PGlite's initdb runs its
 * whole bootstrap in WebAssembly: on this project's machines it made an origin's first start take about 10 s
 * and left its memory some 150 MiB above a restart's. Unpacking the packed cluster instead takes a fraction of
 * that. Without the file (an install that skipped scripts), a first start runs initdb as before.
 */
export function pgliteTemplatePath (): string {
  const require = createRequire(import.meta.url)
  let folder = dirname(require.resolve('@electric-sql/pglite'))
  while (!existsSync(join(folder, 'package.json'))) folder = dirname(folder)
  const { version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '.pglite-template', `pglite-${version}.tar.gz`)
}

/** The packed cluster, or undefined when none was made for this PGlite version. */
export async function readPgliteTemplate (): Promise<Blob | undefined> {
  const bytes = await readFile(pgliteTemplatePath()).catch(() => undefined)
  return bytes === undefined ? undefined : new Blob([bytes])
}

/** Runs initdb once in memory and packs the result where `readPgliteTemplate` finds it. */
export async function makePgliteTemplate (): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite')
  const path = pgliteTemplatePath()
  const pglite = await PGlite.create('memory://')
  try {
    const packed = await pglite.dumpDataDir('gzip')
    await mkdir(dirname(path), { recursive: true })
    await writeFile(`${path}.tmp`, Buffer.from(await packed.arrayBuffer()))
    await rename(`${path}.tmp`, path)
  } finally {
    await pglite.close()
  }
  return path
}
