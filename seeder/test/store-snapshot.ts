import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { SeederFixture } from './seeder-fixture.ts'

/** What a seeder holds: its library's view and every file under its items folder, hashed. */
export interface StoreSnapshot {
  held: string[]
  stats: { stored: number, storedBytes: number, fetching: number }
  files: Array<{ path: string, size: number, mtimeMs: number, sha256: string }>
}

async function walk (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(path, ...await walk(path))
    else out.push(path)
  }
  return out
}

export async function storeSnapshot (fixture: SeederFixture, origin: string): Promise<StoreSnapshot> {
  const root = join(fixture.dir.path, 'items')
  const files: StoreSnapshot['files'] = []
  for (const path of (await walk(root)).sort()) {
    const info = await stat(path)
    const sha256 = info.isFile() ? createHash('sha256').update(await readFile(path)).digest('hex') : 'directory'
    files.push({ path: relative(root, path), size: info.isFile() ? info.size : 0, mtimeMs: info.isFile() ? info.mtimeMs : 0, sha256 })
  }
  const library = fixture.seeder.library
  return { held: library.held(origin).sort(), stats: library.stats(), files }
}
