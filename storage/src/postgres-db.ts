import pg from 'pg'
import type { Db, Queryable } from './db.ts'

/** int8 columns hold sizes and counters, all far below 2^53. */
const INT8_OID = 20
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
}

export async function openPostgres (url: string, schema?: string): Promise<Db> {
  const options = schema === undefined ? undefined : `-c search_path=${schema}`
  const pool = new pg.Pool({ connectionString: url, options, types: typeParsers, max: 10, connectionTimeoutMillis: 5000 })
  // An idle client that loses its server emits 'error' on the pool; the next query reconnects.
  pool.on('error', () => {})
  if (schema !== undefined) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  else await pool.query('SELECT 1')

  const listeners = new Set<pg.PoolClient>()
  let closed = false
  return {
    kind: 'postgres',
    async query<Row> (sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params)
      return result.rows as Row[]
    },
    async exec (sql) {
      await pool.query(sql)
    },
    async transaction (work) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const tx: Queryable = {
          async query<Row> (sql: string, params: unknown[] = []) {
            return (await client.query(sql, params)).rows as Row[]
          },
          async exec (sql: string) {
            await client.query(sql)
          }
        }
        const result = await work(tx)
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
    async listen (channel, onPayload) {
      const client = await pool.connect()
      listeners.add(client)
      client.on('notification', (message) => {
        if (message.channel === channel) onPayload(message.payload ?? '')
      })
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
      return async () => {
        if (!listeners.delete(client)) return
        await client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {})
        client.release()
      }
    },
    async notify (channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload])
    },
    async close () {
      if (closed) return
      closed = true
      for (const client of listeners) client.release()
      listeners.clear()
      await pool.end()
    }
  }
}
