// The footprint section of RESULTS.md (issue 15): each figure beside its
// target, for the embedded defaults and for PostgreSQL, with pass or miss and
// the gap.

import type { ScenarioRecord } from './bench-report.ts'
import type { FootprintColumn, FootprintResult, FrontFigures, FullSeederFigures, StartFigures } from './footprint.ts'
import type { DbChoice } from './processes.ts'
import { judge, MiB, n } from './report-format.ts'

/** The issue's targets. */
export const FOOTPRINT_TARGETS = {
  emptySeederMiB: 100,
  emptyOriginMiB: 200,
  fullSeederMiB: 150,
  fullSeederItems: 10_000,
  idleCpuPercent: 0.5,
  soakOriginMiB: 300,
  soakSeconds: 300,
  readyMs: 3000,
  /** A front's growth while it streams an object, as a share of the object's size: it must not hold the object. */
  frontGrowthShare: 0.5
} as const

const T = FOOTPRINT_TARGETS
const COLUMNS: Array<{ db: DbChoice, label: string }> = [
  { db: 'pglite', label: 'embedded (origin PGlite, seeder node:sqlite)' },
  { db: 'postgres', label: 'PostgreSQL' }
]

/** A figure and its verdict, or why there is none. */
type Cell = [figure: string, verdict: string]
type Measure = (column: FootprintColumn) => Cell | undefined

const mibOf = (bytes: number): string => `${n(bytes / MiB, 0)} MiB`
const rssCell = (rss: number, peak: number, limitMiB: number): Cell => [`**${mibOf(rss)}** (peak ${mibOf(peak)})`, judge(rss / MiB, limitMiB, 'max', ' MiB')]
const cpuCell = (percent: number, busy: number): Cell => [`**${n(percent)} %** (machine ${n(busy, 0)} % busy)`, judge(percent, T.idleCpuPercent, 'max', ' points')]
/** Judged on the largest object: a front holding it would grow by at least its size. */
const frontCell = (front: FrontFigures[] | FrontFigures): Cell => {
  const figures = Array.isArray(front) ? front : [front]
  const grew = (f: FrontFigures): number => Math.max(0, f.peakBytes - f.baselineBytes)
  const largest = figures[figures.length - 1]!
  const figure = figures.map((f) => `**${mibOf(grew(f))}** for ${mibOf(f.objectBytes)} (${mibOf(f.baselineBytes)} to a peak of ${mibOf(f.peakBytes)})`).join('; ')
  return [figure, judge(grew(largest) / MiB, T.frontGrowthShare * largest.objectBytes / MiB, 'max', ' MiB')]
}
const readyCell = (ms: number): Cell => [`**${n(ms / 1000, 2)} s**`, judge(ms / 1000, T.readyMs / 1000, 'max', ' s')]

function startRows (role: 'origin' | 'seeder'): Array<[string, string, Measure]> {
  const limit = role === 'origin' ? T.emptyOriginMiB : T.emptySeederMiB
  const rows: Array<[string, string, Measure]> = []
  for (const start of ['first', 'second'] as const) {
    const when = start === 'first' ? 'first start, fresh folder' : 'second start, same folder'
    const figures = (c: FootprintColumn): StartFigures | undefined => c[role]?.[start]
    rows.push([`empty ${role}, RSS 25 s after start (${when})`, `≤ ${limit} MiB`, (c) => { const f = figures(c); return f && rssCell(f.rssBytes, f.peakBytes, limit) }])
  }
  return rows
}

function cpuRows (role: 'origin' | 'seeder'): Array<[string, string, Measure]> {
  return (['first', 'second'] as const).map((start) => [`idle CPU, empty ${role} (${start} start)`, `≤ ${T.idleCpuPercent} %`, (c) => { const f = c[role]?.[start]; return f && cpuCell(f.idleCpuPercent, f.machineBusyPercent) }])
}

function readyRows (role: 'origin' | 'seeder'): Array<[string, string, Measure]> {
  return (['first', 'second'] as const).map((start) => [`${role}: start to /healthz answering (${start} start)`, `≤ ${T.readyMs / 1000} s`, (c) => { const f = c[role]?.[start]; return f && readyCell(f.readyMs) }])
}

/** A full-seeder figure taken short of the count asked for (the fill ran out of time) says so. */
function withHeld ([figure, verdict]: Cell, full: FullSeederFigures, items: number): Cell {
  return full.held >= items ? [figure, verdict] : [`${figure}, **holding only ${n(full.held, 0)} items** (the fill ran out of time)`, verdict]
}

function rows (r: FootprintResult): Array<[string, string, Measure]> {
  const c = r.config
  const items = c.items === T.fullSeederItems ? `${n(c.items, 0)} items (` : `${n(c.items, 0)} items (**not the ${n(T.fullSeederItems, 0)} of the target**; `
  const soak = c.soakSeconds === T.soakSeconds ? `${c.soakSeconds} s` : `${c.soakSeconds} s, **not the ${T.soakSeconds} s of the target**`
  return [
    ...startRows('seeder'),
    ...startRows('origin'),
    [`seeder holding ${items}${c.maxActive} active in the swarm), RSS`, `≤ ${T.fullSeederMiB} MiB`, (col) => col.fullSeeder && withHeld(rssCell(col.fullSeeder.rssBytes, col.fullSeeder.peakBytes, T.fullSeederMiB), col.fullSeeder, c.items)],
    ...cpuRows('origin'),
    ...cpuRows('seeder'),
    [`idle CPU, the seeder holding ${n(c.items, 0)} items`, `≤ ${T.idleCpuPercent} %`, (col) => col.fullSeeder && withHeld(cpuCell(col.fullSeeder.idleCpuPercent, col.fullSeeder.machineBusyPercent), col.fullSeeder, c.items)],
    [`origin under the soak (${soak}), RSS at the end`, `≤ ${T.soakOriginMiB} MiB`, (col) => col.soak && [`**${n(col.soak.endMb, 0)} MiB** (peak ${n(col.soak.peakMb, 0)}, ${n(col.soak.startMb, 0)} at the start)`, judge(col.soak.endMb, T.soakOriginMiB, 'max', ' MiB')]],
    ['origin under the soak, RSS slope over the second half', 'flat', (col) => col.soak && [`${n(col.soak.slopeMbPerMinute)} MiB/min`, col.soak.flat ? 'pass' : `**miss** (flat means under ${col.soak.flatMbPerMinute} MiB/min)`]],
    ...readyRows('origin'),
    ...readyRows('seeder'),
    ['front-mode origin (S3), first request for a large object: RSS growth above a small request\'s', `< ${T.frontGrowthShare * 100} % of the largest object`, (col) => col.front && frontCell(col.front)]
  ]
}

function failed (column: FootprintColumn | undefined): string[] {
  return Object.entries(column?.errors ?? {}).map(([part, error]) => `${part}: ${error}`)
}

export function footprintSection (record: ScenarioRecord<FootprintResult>): string[] {
  const lines: string[] = ['## 5. Footprint a small server can afford (issue 15)', '']
  if (record.result === undefined) return [...lines, `Failed: ${record.error ?? 'unknown error'}`, '']
  const r = record.result
  const c = r.config
  const m = record.machine
  lines.push(`Each role as an admin starts it (\`bin/fedswarm.js\`, which adds only the roles' own Node flags and malloc setting of \`bin/node-setup.js\`), on each metadata store in turn: the embedded defaults, then PostgreSQL at 127.0.0.1:5432 with a fresh schema per role (dropped afterwards). An empty origin and an empty seeder on it are started twice on the same data folder and schema (the first start creates the database; PGlite's runs initdb); the time to /healthz runs from the spawn to the first 200, RSS (\`VmRSS\`, peak \`VmHWM\`, of \`/proc/<pid>/status\`) is read ${c.rssAfterSeconds} s after the spawn, idle CPU (utime + stime of \`/proc/<pid>/stat\`) over the ${c.idleSeconds} s after that, with nothing happening. The full seeder is the seeder-scale fill (items of ${n(c.itemSize / 1024, 0)} KiB published hot, ${c.publishConcurrency} at a time, to an origin on the same store), read ${c.fillSettleSeconds} s after it holds them all (after the collections V8 runs in the seconds after activity stops)${Object.values(r.columns).some((col) => col?.fullSeeder?.verifySeconds !== undefined) ? ' and the origin has verified every copy' : ''}. The soak is \`bench/soak-run.ts\` with its defaults (200 HTTP and 20 WebSocket announces and 100 ranged GETs per second) for ${c.soakSeconds} s, warm-up ${Math.min(60, Math.round(c.soakSeconds / 5))} s. Measured ${record.measuredAt}, ${n(record.seconds, 0)} s${m === undefined ? '' : `, commit ${m.revision?.commit.slice(0, 10) ?? 'unknown'}${(m.revision?.changedFiles ?? 0) > 0 ? ` with ${m.revision!.changedFiles} files changed` : ''}, load average at start ${m.loadAverageAtStart.join(' ')}`}.`, '')

  const columns = COLUMNS.filter((col) => r.columns[col.db] !== undefined)
  lines.push(`| what | target | ${columns.map((col) => `${col.label} | verdict`).join(' | ')} |`)
  lines.push(`| --- | --- | ${columns.map(() => '--- | ---').join(' | ')} |`)
  for (const [what, target, measure] of rows(r)) {
    const cells = columns.map((col) => measure(r.columns[col.db]!) ?? ['not measured', '—'])
    lines.push(`| ${what} | ${target} | ${cells.map(([figure, verdict]) => `${figure} | ${verdict}`).join(' | ')} |`)
  }
  lines.push('')

  lines.push('Notes:', '')
  for (const col of columns) {
    const errors = failed(r.columns[col.db])
    if (errors.length > 0) lines.push(`- ${col.label}: failed parts (the rest was measured): ${errors.join('; ')}.`)
    const full = r.columns[col.db]?.fullSeeder
    if (full !== undefined) lines.push(`- ${col.label}: the fill put ${n(full.held, 0)} items on the seeder (${n(full.published, 0)} published${full.held < c.items ? `, of ${n(c.items, 0)} asked for: publishing stops at the fill's bound of ${n(c.fillTimeoutSeconds, 0)} s` : ''}) in ${n(full.fillSeconds, 0)} s${full.verifySeconds === undefined ? '' : `, and the origin had verified every copy ${n(full.verifySeconds, 0)} s later (the idle CPU is measured after that: until then the origin's checks read pieces from the seeder)`}; its V8 heap then used ${mibOf(full.heapUsedBytes)} of the ${mibOf(full.rssBytes)} resident.`)
    const soak = r.columns[col.db]?.soak
    if (soak !== undefined) lines.push(`- ${col.label}: the soak sent ${n(soak.sent, 0)} requests, ${n(soak.errors, 0)} failed.`)
  }
  lines.push(`- "machine % busy" is the share of all cores busy (any process, this harness included) during each idle window, from \`/proc/stat\`: a high figure means other work ran beside the measurement. Load average after each part: ${r.load.map((l) => `${l.part} ${l.loadAverage.join(' ')}`).join('; ')}.`)
  lines.push(`- Reproduce: \`npm run bench -- --only footprint\` (${n(record.seconds / 60, 0)} minutes in this run; not part of the default run). \`--soak-seconds S\` and \`--footprint-items N\` shorten it for trying it out; the rows above then say so.`)
  lines.push('')
  return lines
}
