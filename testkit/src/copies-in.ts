import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** Every file under `dir` whose bytes are `bytes`: where a purge must have left none. */
export async function copiesIn (dir: string, bytes: Buffer): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    if ((await stat(path)).size === bytes.length && (await readFile(path)).equals(bytes)) found.push(path)
  }
  return found
}
