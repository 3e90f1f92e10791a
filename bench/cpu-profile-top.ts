// Where a process spent its CPU: the functions with the most self time in
// the .cpuprofile files that `node --cpu-prof` wrote (bench/run.ts
// --cpu-prof DIR makes every origin and seeder process write one).
//   node bench/cpu-profile-top.ts FILE.cpuprofile [TOP]   → a table, most self time first

import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  /** Microseconds of the monotonic clock (CLOCK_MONOTONIC, as process.hrtime in any process of the machine). */
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

/** This process's monotonic clock in microseconds: the clock of a profile's samples, for a window of them. */
export function monotonicMicros (): number {
  return Number(process.hrtime.bigint() / 1000n)
}

export interface ProfileEntry {
  /** `function (file:line)`, the file relative to the repository or to node_modules. */
  name: string
  /** Share of all samples, idle ones included. */
  share: number
  /** Milliseconds of self time. */
  ms: number
}

const REPO = fileURLToPath(new URL('..', import.meta.url))

function place (url: string): string {
  if (url === '') return ''
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const inModules = path.lastIndexOf('/node_modules/')
  return inModules >= 0 ? path.slice(inModules + '/node_modules/'.length) : path.startsWith(REPO) ? relative(REPO, path) : path
}

/**
 * The `top` functions by self time, and the share of samples that were idle
 * (the process waiting for work); only the samples within `window` (from
 * monotonicMicros()) when given.
 */
export function topSelfTime (profile: Profile, top: number, window?: { from: number, to: number }): { entries: ProfileEntry[], idle: number, totalMs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<string, number>()
  let total = 0
  let idle = 0
  let at = profile.startTime
  for (const [i, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (window !== undefined && (at < window.from || at > window.to)) continue
    const frame = byId.get(id)!.callFrame
    total += delta
    if (frame.functionName === '(idle)') { idle += delta; continue }
    const where = place(frame.url)
    const name = `${frame.functionName || '(anonymous)'}${where === '' ? '' : ` (${where}:${frame.lineNumber + 1})`}`
    selfUs.set(name, (selfUs.get(name) ?? 0) + delta)
  }
  const entries = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, share: us / total, ms: Math.round(us / 1000) }))
  return { entries, idle: total === 0 ? 0 : idle / total, totalMs: Math.round(total / 1000) }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2)
  if (file === undefined) {
    console.error('usage: node bench/cpu-profile-top.ts FILE.cpuprofile [TOP]')
    process.exit(2)
  }
  const { entries, idle, totalMs } = topSelfTime(JSON.parse(await readFile(file, 'utf8')) as Profile, Number(top ?? 25))
  const busy = 1 - idle
  console.log(`${totalMs} ms profiled, ${(busy * 100).toFixed(1)} % busy; self time, share of the busy time:`)
  for (const entry of entries) console.log(`${(entry.share / busy * 100).toFixed(1).padStart(5)} %  ${String(entry.ms).padStart(6)} ms  ${entry.name}`)
}
