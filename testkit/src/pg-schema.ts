import { randomBytes } from 'node:crypto'
import { openDb } from '@fedswarm/storage'
import { testDatabaseUrl } from './test-database-url.ts'

/**
 * Env for a role process or config that should use the test PostgreSQL in
 * a schema of its own; `drop` removes the schema afterwards.
 */
export function pgSchemaEnv (): { env: Record<string, string>, drop (): Promise<void> } {
  if (testDatabaseUrl === undefined || testDatabaseUrl === '') throw new Error('FEDSWARM_TEST_DATABASE_URL is not set')
  const url = testDatabaseUrl
  const schema = `t_${randomBytes(6).toString('hex')}`
  return {
    env: { DATABASE_URL: url, FEDSWARM_DB_SCHEMA: schema },
    async drop () {
      const db = await openDb({ url, dataDir: '' })
      try { await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) } finally { await db.close() }
    }
  }
}
