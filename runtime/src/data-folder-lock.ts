import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** A data folder another live process holds: two roles on one folder would corrupt its database and blobs. */
export class DataFolderInUseError extends Error {
  override readonly name = 'DataFolderInUseError'
  readonly code = 'data_folder_in_use'
  readonly pid: number
  constructor (dir: string, pid: number) {
    super(`the data folder ${dir} is in use by another process (pid ${pid}): stop it, or give this one another folder (--data or FEDSWARM_DATA)`)
    this.pid = pid
  }
}

export interface DataFolderLock {
  /** Removes the lock file if it is still this process's. Idempotent. */
  release (): Promise<void>
}

const LOCK_FILE = 'lock'

/** The pid a lock file names, if it names one that runs (a pid of this very process is a lock left by an earlier run in its place: a container's pid 1). */
async function livePid (path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return ''
    throw err
  })
  const pid = Number(text.trim())
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined
  }
}

/**
 * Takes `dir/lock` for this process: a file holding its pid, made
 * atomically. A lock whose process no longer runs (a crash, a kill -9) is
 * taken over. Node has no flock(), hence a pid file.
 */
export async function lockDataFolder (dir: string): Promise<DataFolderLock> {
  const path = join(dir, LOCK_FILE)
  const mine = `${path}.${process.pid}`
  await writeFile(mine, `${process.pid}\n`, { mode: 0o644 })
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        // link() fails if the lock exists: taking it is one atomic step.
        await link(mine, path)
        break
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err
      }
      const holder = await livePid(path)
      if (holder !== undefined) throw new DataFolderInUseError(dir, holder)
      // Stale: moved aside (atomic, so two processes taking it over cannot both remove it), then checked it was the stale one.
      const aside = `${path}.stale.${process.pid}`
      try {
        await rename(path, aside)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw err
      }
      const moved = await livePid(aside)
      if (moved !== undefined) {
        // Another process took the stale lock over in between: its lock goes back.
        await link(aside, path).catch(() => {})
        await unlink(aside)
        throw new DataFolderInUseError(dir, moved)
      }
      await unlink(aside)
    }
  } finally {
    await unlink(mine)
  }
  let released = false
  return {
    async release () {
      if (released) return
      released = true
      const text = await readFile(path, 'utf8').catch(() => '')
      if (Number(text.trim()) === process.pid) await unlink(path).catch(() => {})
    }
  }
}
