// How numbers and times read in the console: one unit style (kB = 1000 B), as the CLI's.

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']

export function bytes (n: number): string {
  let value = n
  let unit = 0
  while (Math.abs(value) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`
}

export function percent (ratio: number | null): string {
  return ratio === null ? '–' : `${(ratio * 100).toFixed(ratio >= 0.995 || ratio === 0 ? 0 : 1)} %`
}

/** "3 min ago", "2 h ago"; the full time is in the title. */
export function ago (iso: string | null, now = Date.now()): string {
  if (iso === null) return 'never'
  const seconds = Math.round((now - Date.parse(iso)) / 1000)
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`
  return `${Math.round(seconds / 86_400)} d ago`
}

export function dateTime (iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' })
}

/** Recent requests are a decayed count (the popularity score), not a total: shown whole. */
export function recentRequests (score: number): string {
  return String(Math.round(score))
}
