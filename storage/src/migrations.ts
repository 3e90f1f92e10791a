import type { Db } from './db.ts'

export interface Migration {
  /** Ordered, never renamed once released: `001_media`, `002_tombstones`... */
  id: string
  sql: string
}

/**
 * Migrations are PostgreSQL SQL. A role that runs on SQLite (the seeder)
 * keeps its migrations in the subset both understand: plain types
 * (text, bigint, double precision, boolean, bytea, timestamptz), `DEFAULT
 * now()`, CHECK, indexes, `ALTER TABLE ... ADD COLUMN`, plain DML.
 *
 * Applies the migrations of one role (`namespace`) that are not yet
 * recorded, each in its own transaction. On PostgreSQL an advisory lock
 * keeps several processes starting at once from racing.
 */
export async function migrate (db: Db, namespace: string, migrations: Migration[]): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    namespace text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, id))`)
  const applied: string[] = []
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      // SQLite: the transaction itself holds the database's one write lock (BEGIN IMMEDIATE).
      if (db.kind !== 'sqlite') await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fedswarm:${namespace}`])
      const rows = await tx.query('SELECT 1 FROM schema_migrations WHERE namespace = $1 AND id = $2', [namespace, migration.id])
      if (rows.length > 0) return false
      await tx.exec(migration.sql)
      await tx.query('INSERT INTO schema_migrations (namespace, id) VALUES ($1, $2)', [namespace, migration.id])
      return true
    })
    if (done) applied.push(migration.id)
  }
  return applied
}
