import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A fresh PGlite cluster on disk, made once per installed PGlite version (at `npm install`). PGlite's initdb runs
 * its whole bootstrap in WebAssembly: on this project's machines it made an origin's first start take about 10 s
 * and left its memory some 150 MiB above a restart's. A new data folder is a copy of this one instead, made with
 * the file system's own copy, outside WebAssembly: PGlite then opens it as it opens a folder on a restart (unpacking
 * a packed cluster through PGlite, as earlier versions did, still left a first start some 55 MiB above a restart).
 * Without the folder (an install that skipped scripts), a first start runs initdb as before.
 */
export function pgliteTemplatePath (): string {
  const require = createRequire(import.meta.url)
  let folder = dirname(require.resolve('@electric-sql/pglite'))
  while (!existsSync(join(folder, 'package.json'))) folder = dirname(folder)
  const { version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '.pglite-template', `pglite-${version}`)
}

/** PostgreSQL's mark of a cluster: copied last, so that a copy cut short is not taken for one. */
const CLUSTER_MARK = 'PG_VERSION'

/**
 * Makes `dataDir` (absent or empty) a copy of the template; false when there is no template. A copy cut short
 * lacks its PG_VERSION and is copied again over itself on the next start.
 */
export async function copyPgliteTemplate (dataDir: string): Promise<boolean> {
  const template = pgliteTemplatePath()
  if (!existsSync(join(template, CLUSTER_MARK))) return false
  await cp(template, dataDir, { recursive: true, force: true, filter: (source) => source !== join(template, CLUSTER_MARK) })
  await cp(join(template, CLUSTER_MARK), join(dataDir, CLUSTER_MARK))
  return true
}

/** Runs initdb once, on disk beside the template's place, and moves the cluster where `copyPgliteTemplate` finds it. */
export async function makePgliteTemplate (): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite')
  const path = pgliteTemplatePath()
  const parent = dirname(path)
  await mkdir(parent, { recursive: true })
  const building = await mkdtemp(join(parent, '.building-'))
  try {
    const pglite = await PGlite.create(building)
    await pglite.close()
    await rm(path, { recursive: true, force: true })
    await rename(building, path)
  } finally {
    await rm(building, { recursive: true, force: true })
  }
  return path
}
