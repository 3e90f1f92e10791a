import { watch, type FSWatcher } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { Logger } from 'pino'
import { parseRefuseList, type RefuseListEntry } from './refuse-list.ts'

export interface RefuseListWatcherOptions {
  path: string
  log: Logger
  /** Applies the file's entries (all of them: what is gone from the file is lifted). */
  apply (entries: RefuseListEntry[]): Promise<void>
  /** The fallback check of the file's mtime, for file systems where watching misses changes (ms). */
  checkIntervalMs?: number
  /** Larger files are not read (the last good list stays). */
  maxBytes?: number
}

export interface RefuseListWatcher {
  /** Reads and applies the file once, then follows its changes. */
  start (): Promise<void>
  stop (): Promise<void>
}

const MAX_BYTES = 10 * 1024 * 1024
/** Problems logged one by one per read; more are counted. */
const PROBLEMS_LOGGED = 20
/** Editors write in several steps (truncate, write, rename): read once they are done. */
const SETTLE_MS = 200

/**
 * Follows FEDSWARM_REFUSE_LIST: its folder is watched (editors replace the
 * file by renaming), with a periodic mtime check as a fallback. A file that
 * cannot be read, or is too large, keeps the last good list and is logged
 * once until that changes; bad lines are logged with their numbers and the
 * rest applied.
 */
export function watchRefuseList (options: RefuseListWatcherOptions): RefuseListWatcher {
  const { path, log } = options
  const maxBytes = options.maxBytes ?? MAX_BYTES
  let watcher: FSWatcher | undefined
  let interval: NodeJS.Timeout | undefined
  let settle: NodeJS.Timeout | undefined
  let stopped = false
  /** What the last applied read saw: nothing is read again while it holds. */
  let seen = ''
  let appliedText: string | undefined
  let lastError = ''
  let running: Promise<void> | undefined
  let again = false

  function fail (message: string): void {
    if (message === lastError) return
    lastError = message
    log.warn({ path }, `refuse list not applied, the last good one stays: ${message}`)
  }

  /** Tells one version of the file from another without reading it. */
  const stampOf = (info: Stats): string => `${info.ino}:${info.size}:${info.mtimeMs}`

  async function read (): Promise<{ text: string, stamp: string } | undefined> {
    let file
    try {
      file = await open(path, 'r')
    } catch (err) {
      fail(`cannot open it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
      return undefined
    }
    try {
      const info = await file.stat()
      if (!info.isFile()) fail('not a regular file')
      else if (info.size > maxBytes) fail(`${info.size} bytes, over the limit of ${maxBytes}`)
      else return { text: await file.readFile('utf8'), stamp: stampOf(info) }
      return undefined
    } catch (err) {
      fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
      return undefined
    } finally {
      await file.close()
    }
  }

  async function check (force: boolean): Promise<void> {
    if (!force && lastError === '' && await stat(path).then(stampOf, () => 'unreadable') === seen) return
    const got = await read()
    if (got === undefined || stopped) return
    seen = got.stamp
    lastError = ''
    if (got.text === appliedText) return
    const { entries, problems } = parseRefuseList(got.text)
    for (const problem of problems.slice(0, PROBLEMS_LOGGED)) log.warn({ path, line: problem.line }, `refuse list line ${problem.line} skipped: ${problem.message}`)
    if (problems.length > PROBLEMS_LOGGED) log.warn({ path, skipped: problems.length }, `refuse list: ${problems.length - PROBLEMS_LOGGED} more bad lines skipped`)
    try {
      await options.apply(entries)
      appliedText = got.text
    } catch (err) {
      // Not marked applied: the next check tries again.
      seen = ''
      log.warn({ err, path }, 'could not apply the refuse list; trying again at the next check')
    }
  }

  /** One check at a time; a change during one is checked right after it. */
  function schedule (force: boolean): Promise<void> {
    if (running !== undefined) {
      again ||= force
      return running
    }
    running = check(force).finally(() => {
      running = undefined
      if (again && !stopped) {
        again = false
        void schedule(true)
      }
    })
    return running
  }

  return {
    async start () {
      await schedule(true)
      if (stopped) return
      try {
        watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
          if (name !== null && name !== basename(path)) return
          clearTimeout(settle)
          settle = setTimeout(() => { void schedule(true) }, SETTLE_MS).unref()
        })
        watcher.on('error', (err) => log.warn({ err, path }, 'cannot watch the refuse list\'s folder; checking its mtime only'))
      } catch (err) {
        log.warn({ err, path }, 'cannot watch the refuse list\'s folder; checking its mtime only')
      }
      interval = setInterval(() => { void schedule(false) }, options.checkIntervalMs ?? 10_000)
      interval.unref()
    },

    async stop () {
      stopped = true
      watcher?.close()
      clearTimeout(settle)
      clearInterval(interval)
      await running
    }
  }
}
