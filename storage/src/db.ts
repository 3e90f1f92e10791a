/**
 * The one database interface of Fedswarm. The same SQL (PostgreSQL
 * dialect) and migrations run on embedded PGlite, the default, and on a
 * PostgreSQL server through `pg` when a URL is given.
 */
export interface Queryable {
  query<Row = Record<string, unknown>> (sql: string, params?: unknown[]): Promise<Row[]>
  /** Runs several statements with no parameters (migrations). */
  exec (sql: string): Promise<void>
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `work` in one transaction: commit when it resolves, rollback when it throws. */
  transaction<T> (work: (tx: Queryable) => Promise<T>): Promise<T>
  /** Subscribes to NOTIFY on `channel`; resolves to the unsubscribe function. */
  listen (channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>
  notify (channel: string, payload: string): Promise<void>
  close (): Promise<void>
}

export interface DbOptions {
  /** `postgres://...`; when absent, PGlite stores under `dataDir`. */
  url?: string
  /** Folder of the embedded database; `memory://` keeps it in memory (tests). */
  dataDir: string
  /** PostgreSQL schema to use (created when missing); tests give each run its own. */
  schema?: string
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export async function openDb (options: DbOptions): Promise<Db> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new TypeError(`invalid schema name ${JSON.stringify(options.schema)}: lowercase letters, digits and _ only`)
  }
  if (options.url !== undefined) {
    const { openPostgres } = await import('./postgres-db.ts')
    return openPostgres(options.url, options.schema)
  }
  const { openPglite } = await import('./pglite-db.ts')
  return openPglite(options.dataDir, options.schema)
}
