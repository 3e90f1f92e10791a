import { EventEmitter } from 'node:events'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import type { Db, Queryable } from './db.ts'

/**
 * The embedded database of a role whose SQL stays in the subset that
 * PostgreSQL and SQLite share (the seeder): Node's built-in `node:sqlite`,
 * no WASM heap. Measured against PGlite, an open database costs about 2 MiB
 * of RSS instead of 110 to 300 MiB, and opens in milliseconds.
 *
 * What the adapter maps so that the same SQL and migrations run here:
 * - `$1, $2...` parameters become SQLite's numbered `?1, ?2...`;
 * - `now()` is a function returning the ISO 8601 time in UTC, and a column
 *   default `DEFAULT now()` becomes the same time computed by SQLite;
 * - `greatest(...)` is PostgreSQL's (NULLs ignored);
 * - values read from columns declared `timestamptz` come back as `Date`,
 *   from `boolean` columns as booleans; `Date` parameters are stored as ISO
 *   text (which sorts as time), booleans as 0/1.
 * Anything else PostgreSQL-only (jsonb operators, advisory locks, sequences,
 * `FOR UPDATE`) is not translated: a role using it stays on PGlite.
 *
 * One process owns the file (the default data folder is one process's):
 * LISTEN/NOTIFY is delivered inside this process only.
 */
export async function openSqlite (file: string): Promise<Db> {
  if (file !== ':memory:') await mkdir(dirname(file), { recursive: true })
  const sqlite = new DatabaseSync(file)
  sqlite.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000; PRAGMA cache_size = -2048`)
  sqlite.function('now', { deterministic: false }, () => new Date().toISOString())
  sqlite.function('greatest', { varargs: true, deterministic: true }, (...values: unknown[]) => {
    const present = values.filter((v) => v !== null) as Array<number | string>
    return present.length === 0 ? null : present.reduce((a, b) => (b > a ? b : a))
  })

  const statements = new Map<string, { statement: StatementSync, convert: Array<[string, 'date' | 'boolean']> }>()
  const prepare = (sql: string): { statement: StatementSync, convert: Array<[string, 'date' | 'boolean']> } => {
    let prepared = statements.get(sql)
    if (prepared === undefined) {
      const statement = sqlite.prepare(sql.replace(/\$(\d+)/g, '?$1'))
      const convert: Array<[string, 'date' | 'boolean']> = []
      for (const column of statement.columns()) {
        const type = column.type?.toLowerCase()
        if (type === 'timestamptz' || type === 'timestamp') convert.push([column.name, 'date'])
        else if (type === 'boolean') convert.push([column.name, 'boolean'])
      }
      prepared = { statement, convert }
      if (statements.size >= 200) statements.clear()
      statements.set(sql, prepared)
    }
    return prepared
  }
  const toParam = (value: unknown): unknown => {
    if (value instanceof Date) return value.toISOString()
    if (typeof value === 'boolean') return value ? 1 : 0
    if (value === undefined) return null
    return value
  }
  const run = <Row>(sql: string, params: unknown[]): Row[] => {
    const { statement, convert } = prepare(sql)
    const rows = statement.all(...params.map(toParam) as never[]) as Array<Record<string, unknown>>
    if (convert.length > 0) {
      for (const row of rows) {
        for (const [name, kind] of convert) {
          const value = row[name]
          if (value === null || value === undefined) continue
          row[name] = kind === 'date' ? new Date(value as string) : value !== 0
        }
      }
    }
    return rows as Row[]
  }
  const execDdl = (sql: string): void => {
    sqlite.exec(sql.replace(/DEFAULT\s+now\(\)/gi, "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"))
  }

  // node:sqlite is synchronous, but a transaction's work awaits between its statements: every
  // caller takes its turn in one queue, or its statements would land inside someone's transaction.
  let tail: Promise<void> = Promise.resolve()
  const turn = async (): Promise<() => void> => {
    const previous = tail
    let release!: () => void
    tail = new Promise<void>((resolve) => { release = resolve })
    await previous
    return release
  }
  const alone = async <T>(work: () => T | Promise<T>): Promise<T> => {
    const release = await turn()
    try { return await work() } finally { release() }
  }
  const notifications = new EventEmitter()
  notifications.setMaxListeners(0)
  let closed = false

  const inside: Queryable = {
    async query<Row> (sql: string, params: unknown[] = []) { return run<Row>(sql, params) },
    async exec (sql: string) { execDdl(sql) }
  }
  return {
    kind: 'sqlite',
    query: <Row>(sql: string, params: unknown[] = []) => alone(() => run<Row>(sql, params)),
    exec: (sql: string) => alone(() => execDdl(sql)),
    transaction: (work) => alone(async () => {
      sqlite.exec('BEGIN IMMEDIATE')
      try {
        const result = await work(inside)
        sqlite.exec('COMMIT')
        return result
      } catch (err) {
        if (sqlite.isTransaction) sqlite.exec('ROLLBACK')
        throw err
      }
    }),
    async listen (channel, onPayload) {
      const handler = (payload: string): void => onPayload(payload)
      notifications.on(channel, handler)
      return async () => { notifications.off(channel, handler) }
    },
    async notify (channel, payload) {
      // Delivered after the caller's turn, as a notification from a server would be.
      setImmediate(() => notifications.emit(channel, payload))
    },
    async close () {
      if (closed) return
      closed = true
      await alone(() => {
        statements.clear()
        sqlite.close()
      })
    }
  }
}
