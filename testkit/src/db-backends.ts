import { randomBytes } from 'node:crypto'
import { openDb, type Db } from '@fedswarm/storage'

/**
 * The database backends a suite runs on: embedded PGlite always, and the
 * PostgreSQL server named by FEDSWARM_TEST_DATABASE_URL when it is set
 * (CI sets it). Each opened Db gets a schema of its own, dropped on cleanup.
 */
export interface DbBackend {
  name: 'pglite' | 'postgres'
  /** Options for the role's config: `url` and `schema` for PostgreSQL. */
  open (dataDir: string): Promise<OpenedDb>
}

export interface OpenedDb {
  db: Db
  url?: string
  schema?: string
  /** Drops the test schema (PostgreSQL); the caller removes the data folder. */
  cleanup (): Promise<void>
}

export const testDatabaseUrl = process.env.FEDSWARM_TEST_DATABASE_URL

export function dbBackends (): DbBackend[] {
  const backends: DbBackend[] = [{
    name: 'pglite',
    async open (dataDir) {
      const db = await openDb({ dataDir })
      return { db, cleanup: () => db.close() }
    }
  }]
  const url = testDatabaseUrl
  if (url !== undefined && url !== '') {
    backends.push({
      name: 'postgres',
      async open (dataDir) {
        const schema = `t_${randomBytes(6).toString('hex')}`
        const db = await openDb({ url, dataDir, schema })
        return {
          db,
          url,
          schema,
          async cleanup () {
            await db.close()
            const admin = await openDb({ url, dataDir })
            await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
            await admin.close()
          }
        }
      }
    })
  }
  return backends
}
