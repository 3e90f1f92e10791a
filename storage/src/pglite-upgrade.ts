import { access, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Db } from './db.ts'
import { sqliteFileOf } from './open-db.ts'
import { migrate, type Migration } from './migrations.ts'

export interface PgliteUpgrade {
  /** The role's migrations: applied to the old database first, so its rows have the latest shape. */
  namespace: string
  migrations: Migration[]
  /** Tables whose rows move, in an order that satisfies foreign keys. */
  tables: string[]
  /** The PostgreSQL schema the old database used (FEDSWARM_DB_SCHEMA), if any. */
  schema?: string
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false)

/**
 * A data folder made by an earlier version holds the role's database in
 * PGlite (`dataDir`, a folder). When the role now runs on SQLite and no
 * SQLite file exists yet, this copies every row of `tables` into a new
 * SQLite file, once: the file is written under a temporary name and renamed
 * when complete, then the old folder is renamed `<dataDir>.pglite-imported`
 * (kept as a backup; delete it by hand). A crash midway leaves the old
 * folder in place and the next start does it again. Resolves to the number
 * of rows copied, or null when there was nothing to upgrade.
 */
export async function upgradePgliteToSqlite (dataDir: string, upgrade: PgliteUpgrade): Promise<number | null> {
  if (dataDir.startsWith('memory://')) return null
  const target = sqliteFileOf(dataDir)
  if (await exists(target) || !await exists(join(dataDir, 'PG_VERSION'))) return null
  const { openPglite } = await import('./pglite-db.ts')
  const { openSqlite } = await import('./sqlite-db.ts')
  const partial = `${target}.importing`
  for (const suffix of ['', '-wal', '-shm']) await rm(partial + suffix, { force: true })
  let copied = 0
  const from = await openPglite(dataDir, upgrade.schema)
  try {
    await migrate(from, upgrade.namespace, upgrade.migrations)
    const to: Db = await openSqlite(partial)
    try {
      await migrate(to, upgrade.namespace, upgrade.migrations)
      await to.transaction(async (tx) => {
        for (const table of upgrade.tables) {
          for (const row of await from.query<Record<string, unknown>>(`SELECT * FROM ${table}`)) {
            const columns = Object.keys(row)
            await tx.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
              columns.map((column) => row[column]))
            copied++
          }
        }
      })
      // One file to rename: fold the write-ahead log into it.
      await to.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    } finally {
      await to.close()
    }
  } finally {
    await from.close()
  }
  await rename(partial, target)
  for (const suffix of ['-wal', '-shm']) await rm(partial + suffix, { force: true })
  await rename(dataDir, `${dataDir}.pglite-imported`)
  return copied
}
