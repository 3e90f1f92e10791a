import { openDb, type Db } from '@fedswarm/storage'
import { pgSchemaEnv } from './pg-schema.ts'
import { testDatabaseUrl } from './test-database-url.ts'

/**
 * The database backends a suite runs on: embedded PGlite and SQLite always, and the
 * PostgreSQL server named by FEDSWARM_TEST_DATABASE_URL when it is set
 * (CI sets it). Each opened Db gets a schema of its own, dropped on cleanup.
 */
export interface DbBackend {
  name: 'pglite' | 'sqlite' | 'postgres'
  open (dataDir: string): Promise<OpenedDb>
}

export interface OpenedDb {
  db: Db
  /** Closes the Db and drops its test schema (PostgreSQL); the caller removes the data folder. */
  cleanup (): Promise<void>
}

export function dbBackends (): DbBackend[] {
  const backends: DbBackend[] = [{
    name: 'pglite',
    async open (dataDir) {
      const db = await openDb({ dataDir })
      return { db, cleanup: () => db.close() }
    }
  }, {
    name: 'sqlite',
    async open (dataDir) {
      const db = await openDb({ dataDir: `${dataDir}/db`, embedded: 'sqlite' })
      return { db, cleanup: () => db.close() }
    }
  }]
  if (testDatabaseUrl !== undefined && testDatabaseUrl !== '') {
    backends.push({
      name: 'postgres',
      async open (dataDir) {
        const pg = pgSchemaEnv()
        const db = await openDb({ url: pg.env.DATABASE_URL, schema: pg.env.FEDSWARM_DB_SCHEMA, dataDir })
        return { db, async cleanup () { await db.close(); await pg.drop() } }
      }
    })
  }
  return backends
}
