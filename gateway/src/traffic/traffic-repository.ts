import type { Queryable } from '@fedswarm/storage'

/** The counters kept per minute, as the API names them. */
export const TRAFFIC_SERIES = ['originHttp', 'originPeer', 'swarm', 'mirrors', 'requests', 'redirects'] as const
export type TrafficSeriesName = typeof TRAFFIC_SERIES[number]
export type TrafficCounts = Record<TrafficSeriesName, number>

const COLUMN: Record<TrafficSeriesName, string> = {
  originHttp: 'origin_http_bytes',
  originPeer: 'origin_peer_bytes',
  swarm: 'swarm_bytes',
  mirrors: 'mirror_bytes',
  requests: 'requests',
  redirects: 'redirects'
}
const COLUMNS = TRAFFIC_SERIES.map((name) => COLUMN[name])

export interface TrafficMinute extends TrafficCounts {
  minute: Date
}

type Row = { minute: Date } & Record<string, string | number>

/** The SQL of the per-minute traffic counters (`traffic_minutes`), in one place. */
export const trafficRepository = {
  /** Adds `counts` to the row of the minute `at` falls in (several processes add to one row). */
  async add (db: Queryable, at: Date, counts: TrafficCounts): Promise<void> {
    await db.query(
      `INSERT INTO traffic_minutes (minute, ${COLUMNS.join(', ')}) VALUES (date_trunc('minute', $1::timestamptz), ${COLUMNS.map((_c, i) => `$${i + 2}`).join(', ')})
       ON CONFLICT (minute) DO UPDATE SET ${COLUMNS.map((c) => `${c} = traffic_minutes.${c} + EXCLUDED.${c}`).join(', ')}`,
      [at, ...TRAFFIC_SERIES.map((name) => counts[name])])
  },

  /** The minutes with traffic from `from` (inclusive) to `to` (exclusive), oldest first. */
  async range (db: Queryable, from: Date, to: Date): Promise<TrafficMinute[]> {
    const rows = await db.query<Row>(
      `SELECT minute, ${COLUMNS.join(', ')} FROM traffic_minutes WHERE minute >= $1 AND minute < $2 ORDER BY minute`, [from, to])
    return rows.map((row) => ({
      minute: row.minute,
      ...Object.fromEntries(TRAFFIC_SERIES.map((name) => [name, Number(row[COLUMN[name]])])) as TrafficCounts
    }))
  },

  /** Removes the minutes before `before`; returns how many. */
  async prune (db: Queryable, before: Date): Promise<number> {
    return (await db.query('DELETE FROM traffic_minutes WHERE minute < $1 RETURNING minute', [before])).length
  }
}
