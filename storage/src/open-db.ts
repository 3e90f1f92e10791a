import type { Db } from './db.ts'

export interface DbOptions {
  /** `postgres://...`; when absent, PGlite stores under `dataDir`. */
  url?: string
  /** Folder of the embedded database; `memory://` keeps it in memory (tests). */
  dataDir: string
  /** PostgreSQL schema to use (created when missing); tests give each run its own. */
  schema?: string
  /**
   * The engine when no URL is given: `pglite` (the default; folder `dataDir`)
   * or `sqlite` (file `<dataDir>.sqlite`; `memory://` keeps it in memory).
   */
  embedded?: 'pglite' | 'sqlite'
}

/** The file of the embedded SQLite database that `openDb` uses for `dataDir`. */
export const sqliteFileOf = (dataDir: string): string => dataDir.startsWith('memory://') ? ':memory:' : `${dataDir}.sqlite`

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export async function openDb (options: DbOptions): Promise<Db> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new TypeError(`invalid schema name ${JSON.stringify(options.schema)}: lowercase letters, digits and _ only`)
  }
  if (options.url !== undefined) {
    const { openPostgres } = await import('./postgres-db.ts')
    return openPostgres(options.url, options.schema)
  }
  if (options.embedded === 'sqlite') {
    const { openSqlite } = await import('./sqlite-db.ts')
    return openSqlite(sqliteFileOf(options.dataDir))
  }
  const { openPglite } = await import('./pglite-db.ts')
  return openPglite(options.dataDir, options.schema)
}
