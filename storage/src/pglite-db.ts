import { mkdir } from 'node:fs/promises'
import { PGlite, types } from '@electric-sql/pglite'
import type { Db, Queryable } from './db.ts'

/** int8 columns hold sizes and counters, all far below 2^53. */
const parsers = { [types.INT8]: (value: string) => Number(value) }

export async function openPglite (dataDir: string, schema?: string): Promise<Db> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true })
  const pglite = await PGlite.create(dataDir, { parsers })
  if (schema !== undefined) {
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`)
  }
  let closed = false
  const asQueryable = (target: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<Row> (sql: string, params: unknown[] = []) {
      const result = await target.query<Row>(sql, params)
      return result.rows
    },
    async exec (sql: string) {
      await target.exec(sql)
    }
  })
  return {
    kind: 'pglite',
    ...asQueryable(pglite),
    transaction: (work) => pglite.transaction((tx) => work(asQueryable(tx))),
    async listen (channel, onPayload) {
      const unsubscribe = await pglite.listen(channel, onPayload)
      return async () => { if (!closed) await unsubscribe() }
    },
    async notify (channel, payload) {
      await pglite.query('SELECT pg_notify($1, $2)', [channel, payload])
    },
    async close () {
      if (closed) return
      closed = true
      await pglite.close()
    }
  }
}
