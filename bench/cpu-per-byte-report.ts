// The CPU-per-byte section of RESULTS.md (issue 18): a seeder's CPU per GiB
// moved through the swarm against the origin's per GiB served over HTTP.

import type { ScenarioRecord } from './bench-report.ts'
import type { CpuPerByteResult } from './cpu-per-byte.ts'
import { judge, mib, n, type Verdict } from './report-format.ts'

/** Issue 18: a seeder moves a GiB for at most this many times the CPU the origin spends serving one over HTTP. */
const TARGET = 3

export function cpuPerByteSection (record: ScenarioRecord<CpuPerByteResult>, verdicts: Verdict[]): string[] {
  const lines: string[] = ['## 6. CPU per byte', '']
  if (record.result === undefined) return [...lines, `Failed: ${record.error ?? 'unknown error'}`, '']
  const r = record.result
  const c = r.config
  lines.push(`One origin, ${c.seeders} seeders, ${c.items} items of ${mib(c.size, 0)} (pieces of ${n(r.pieceLength / 1024, 0)} KiB) published, then made hot one after another; every seeder fetches every item through the swarm (web seed held back for 60 s, so the bytes come from the origin's seeding and the other seeders), no upload or download cap anywhere, metadata in ${c.db}. ${c.seeders} plain HTTP fetchers (in the bench's process) GET every item from the origin at once, before the items are made hot (no seeder fetches them then) and again after the swarm phase, each round once the origin is quiet. CPU is utime + stime from \`/proc/<pid>/stat\` over each phase; bytes are the product's counters (\`fedswarm_seeder_bytes_total\`, \`fedswarm_seeding_uploaded_bytes\`) and the HTTP bodies counted by the fetchers: all processes share the loopback, whose kernel counters cannot tell them apart. Measured ${record.measuredAt}.${r.profile === undefined ? '' : ' **Profiled run** (`--cpu-prof`): the CPU figures include the profiler\'s cost.'}`, '')
  lines.push('| process | phase | CPU | bytes in | bytes out | CPU per GiB moved |', '| --- | --- | --- | --- | --- | --- |')
  for (const [i, s] of r.swarm.seeders.entries()) {
    lines.push(`| seeder ${i + 1} | swarm, ${n(r.swarm.seconds, 1)} s | ${n(s.cpuSeconds)} s | ${mib(s.bytesIn)}${s.webSeedBytesIn > 0 ? ` (${mib(s.webSeedBytesIn)} from the web seed)` : ''} | ${mib(s.bytesOut)} | ${n(s.cpuSeconds / ((s.bytesIn + s.bytesOut) / 2 ** 30), 2)} s |`)
  }
  lines.push(`| origin | swarm (its seeding) | ${n(r.swarm.originCpuSeconds)} s | — | ${mib(r.swarm.originSwarmBytes)} | ${n(r.originSwarmPerGiB, 2)} s |`)
  for (const [i, h] of r.http.entries()) lines.push(`| origin | plain HTTP ${i === 0 ? 'before' : 'after'} the swarm, ${n(h.seconds, 1)} s | ${n(h.originCpuSeconds)} s | — | ${mib(h.bytes)} | ${n(h.originCpuSeconds / (h.bytes / 2 ** 30), 2)} s |`)
  lines.push('')
  lines.push(`- Seeders: **${n(r.seederPerGiBMoved, 2)} CPU-seconds per GiB moved** (in + out; ${n(r.seederPerGiBReceived, 2)} per GiB received); the origin over plain HTTP: **${n(r.originHttpPerGiB, 2)}** per GiB sent → **${n(r.ratio, 2)} x**.`)
  verdicts.push({ target: `CPU per byte (issue 18): a seeder moves a GiB for ≤ ${TARGET} x the origin's CPU per GiB over HTTP`, measured: `${n(r.ratio, 2)} x (${n(r.seederPerGiBMoved, 2)} vs ${n(r.originHttpPerGiB, 2)} CPU-s/GiB)`, verdict: judge(r.ratio, TARGET, 'max', ' x') })
  if (r.profile !== undefined) {
    lines.push('', `Where the first seeder's CPU went during the swarm phase (busy ${n(r.profile.busyShare * 100, 0)} % of it), self time:`, '')
    lines.push('| share of busy time | ms | function |', '| --- | --- | --- |')
    for (const e of r.profile.entries) lines.push(`| ${n(e.share / r.profile.busyShare * 100, 1)} % | ${n(e.ms, 0)} | \`${e.name}\` |`)
  }
  lines.push('')
  return lines
}
