// The traffic series as GET /api/traffic answers them, and the sums the overview shows.

export interface TrafficSeries {
  /** Minute starts, Unix seconds, ascending; minutes with no traffic are absent. */
  at: number[]
  originHttp: number[]
  originPeer: number[]
  swarm: number[]
  mirrors: number[]
  requests: number[]
  redirects: number[]
}

export interface TrafficAnswer {
  range: string
  from: string
  to: string
  series: TrafficSeries
}

export type SeriesName = Exclude<keyof TrafficSeries, 'at'>

export function total (series: TrafficSeries, name: SeriesName): number {
  return series[name].reduce((sum, n) => sum + n, 0)
}

/** Bytes that did not leave the origin over the bytes delivered in all; null before any traffic. */
export function savings (series: TrafficSeries): number | null {
  const offloaded = total(series, 'swarm') + total(series, 'mirrors')
  const origin = total(series, 'originHttp') + total(series, 'originPeer')
  return offloaded + origin === 0 ? null : offloaded / (offloaded + origin)
}

/** Every minute from `from` to `to` with its values, zeros where the answer has none: what a chart draws. */
export function dense (answer: TrafficAnswer, names: SeriesName[]): number[][] {
  const from = Math.floor(Date.parse(answer.from) / 60_000) * 60
  const to = Math.floor(Date.parse(answer.to) / 60_000) * 60
  const index = new Map(answer.series.at.map((t, i) => [t, i]))
  const columns: number[][] = [[], ...names.map(() => [])]
  for (let t = from; t <= to; t += 60) {
    columns[0]!.push(t)
    const i = index.get(t)
    names.forEach((name, n) => columns[n + 1]!.push(i === undefined ? 0 : answer.series[name][i]!))
  }
  return columns
}
