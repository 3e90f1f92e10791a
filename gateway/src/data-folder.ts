import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { lockDataFolder, type DataFolderLock } from '@fedswarm/runtime'

/** Where uploads are written before they are stored. */
export const tmpDirOf = (dataDir: string): string => join(dataDir, 'tmp')

/**
 * Makes the data folder if need be, locks it for this process, and clears the
 * temp files of uploads a crash cut short (none of them is referenced). The
 * primary of `fedswarm origin --workers` claims it once for all its workers:
 * a worker clearing it would drop the others' uploads in flight.
 * @throws DataFolderInUseError
 */
export async function claimDataFolder (dataDir: string): Promise<DataFolderLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const lock = await lockDataFolder(dataDir)
  await rm(tmpDirOf(dataDir), { recursive: true, force: true })
  return lock
}
