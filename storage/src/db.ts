/**
 * The one database interface of Fedswarm. The same SQL (PostgreSQL
 * dialect) and migrations run on embedded PGlite, the default, and on a
 * PostgreSQL server through `pg` when a URL is given. A role whose SQL stays
 * in the subset SQLite shares (see sqlite-db.ts) may choose `node:sqlite` as
 * its embedded engine instead: the seeder does, for memory.
 */
export interface Queryable {
  query<Row = Record<string, unknown>> (sql: string, params?: unknown[]): Promise<Row[]>
  /** Runs several statements with no parameters (migrations). */
  exec (sql: string): Promise<void>
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres' | 'sqlite'
  /** Runs `work` in one transaction: commit when it resolves, rollback when it throws. */
  transaction<T> (work: (tx: Queryable) => Promise<T>): Promise<T>
  /** Subscribes to NOTIFY on `channel`; resolves to the unsubscribe function. */
  listen (channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>
  notify (channel: string, payload: string): Promise<void>
  close (): Promise<void>
}
