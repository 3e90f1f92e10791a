import pg from 'pg'
import type { Db, Queryable } from './db.ts'

/** int8 columns hold sizes and counters, all far below 2^53. */
const INT8_OID = 20
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
}

/** Delays before LISTEN is taken again after its connection was lost: doubling from the first to the last. */
const RELISTEN_MIN_MS = 500
const RELISTEN_MAX_MS = 30_000

export async function openPostgres (url: string, schema?: string): Promise<Db> {
  const options = schema === undefined ? undefined : `-c search_path=${schema}`
  const pool = new pg.Pool({ connectionString: url, options, types: typeParsers, max: 10, connectionTimeoutMillis: 5000 })
  // An idle client that loses its server emits 'error' on the pool; the next query reconnects.
  pool.on('error', () => {})
  if (schema !== undefined) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  else await pool.query('SELECT 1')

  /**
   * LISTEN holds a client of its own. When it loses the server (a restart, a dropped connection), it
   * is closed and LISTEN is taken again on a new one, with a growing delay; notifications sent in
   * between are lost, so listeners also poll (event-log.ts, allowlist-sync.ts).
   */
  function subscribe (channel: string, onPayload: (payload: string) => void): { ready: Promise<void>, stop (): Promise<void> } {
    let client: pg.PoolClient | undefined
    let stopped = false
    let retry: NodeJS.Timeout | undefined
    let delayMs = RELISTEN_MIN_MS
    /** Takes LISTEN on a new client; `client` is set only once it holds it, and from then on its loss means a retry. */
    const attempt = async (): Promise<void> => {
      let fresh: pg.PoolClient | undefined
      try {
        fresh = await pool.connect()
        const mine = fresh
        mine.on('error', (err) => {
          if (client !== mine) return
          client = undefined
          mine.release(err)
          later()
        })
        mine.on('notification', (message) => {
          if (message.channel === channel) onPayload(message.payload ?? '')
        })
        await mine.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
        if (stopped) {
          mine.release(true)
          return
        }
        client = mine
        delayMs = RELISTEN_MIN_MS
      } catch (err) {
        fresh?.release(err as Error)
        throw err
      }
    }
    const later = (): void => {
      if (stopped) return
      retry = setTimeout(() => { attempt().catch(later) }, delayMs)
      retry.unref()
      delayMs = Math.min(delayMs * 2, RELISTEN_MAX_MS)
    }
    return {
      ready: attempt(),
      async stop () {
        stopped = true
        clearTimeout(retry)
        const held = client
        client = undefined
        if (held === undefined) return
        await held.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {})
        held.release()
      }
    }
  }
  const subscriptions = new Set<{ stop (): Promise<void> }>()
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
      // A checked-out client has no 'error' listener of the pool's: without this one, the server going away
      // mid-transaction would be an unhandled 'error' event, and the process would die with it.
      let lost: Error | undefined
      const onError = (err: Error): void => { lost = err }
      client.on('error', onError)
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
        client.off('error', onError)
        // With an error the client is closed rather than pooled.
        client.release(lost)
      }
    },
    async listen (channel, onPayload) {
      const subscription = subscribe(channel, onPayload)
      subscriptions.add(subscription)
      try {
        await subscription.ready
      } catch (err) {
        subscriptions.delete(subscription)
        await subscription.stop()
        throw err
      }
      return async () => {
        if (!subscriptions.delete(subscription)) return
        await subscription.stop()
      }
    },
    async notify (channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload])
    },
    async close () {
      if (closed) return
      closed = true
      const stopping = [...subscriptions].map((subscription) => subscription.stop())
      subscriptions.clear()
      await Promise.all(stopping)
      await pool.end()
    }
  }
}
