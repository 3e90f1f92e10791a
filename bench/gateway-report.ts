// The gateway's section of RESULTS.md (ranged GETs of the origin against
// express.static on the same file) and its targets.

import type { ScenarioRecord } from './bench-report.ts'
import type { GatewayResult } from './gateway.ts'
import { judge, MiB, mib, n, type Verdict } from './report-format.ts'

/** Issue 18: a web seed's GET at nearly the rate of a plain static file server (issue 6 asked 0.7). */
const TARGET = 0.9

export function gatewaySection (record: ScenarioRecord<GatewayResult>, verdicts: Verdict[]): string[] {
  const lines: string[] = ['## 3. Gateway', '']
  if (record.result === undefined) return [...lines, `Failed: ${record.error ?? 'unknown error'}`, '']
  const g = record.result
  const c = g.config
  lines.push(`One ${mib(c.size, 0)} item on a real origin process (not hot, no upload cap, metadata in ${c.db}), \`GET /media/:id\` with a \`Range\` of fixed length at a random aligned offset, against \`express.static\` serving the very same blob file (\`DATA/blobs/fedswarm/<id>\`) in its own process. autocannon, ${c.connections} connections, ${c.duration} s per round, ${c.rounds} round(s), alternated. nginx: ${g.nginx}. Measured ${record.measuredAt}.`, '')
  lines.push('| range | server | GETs/s | MiB/s | p50 / p99 latency | server CPU (cores) | server CPU per GET | load generator CPU (cores) |')
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const r of g.runs) lines.push(`| ${n(r.rangeLength / 1024, 0)} KiB | ${r.server} (round ${r.round}) | ${n(r.requestsPerSecond, 0)} | ${n(r.bytesPerSecond / MiB, 1)} | ${r.latencyMs.p50} / ${r.latencyMs.p99} ms | ${r.serverCpu} | ${n(r.cpuMicrosPerRequest, 0)} µs | ${r.loadCpu ?? '—'} |`)
  lines.push('')
  for (const cmp of g.comparisons) {
    lines.push(`- ${n(cmp.rangeLength / 1024, 0)} KiB ranges: origin ${n(cmp.requestsPerSecond.origin, 0)} vs express.static ${n(cmp.requestsPerSecond.static, 0)} GETs/s → **${n(cmp.ratio, 3)}**; CPU per GET ${n(cmp.cpuMicrosPerRequest.origin, 0)} vs ${n(cmp.cpuMicrosPerRequest.static, 0)} µs → a CPU-bound origin would reach **${n(cmp.cpuRatio, 3)}** of express.static.`)
    verdicts.push({ target: `Gateway (${n(cmp.rangeLength / 1024, 0)} KiB ranges): ≥ ${TARGET} x the static server`, measured: `${n(cmp.ratio, 3)} x (CPU per GET: ${n(cmp.cpuRatio, 3)} x)`, verdict: judge(cmp.ratio, TARGET, 'min', ' x') })
  }
  lines.push('', 'Notes:', '')
  lines.push('- Large ranges are bound by the load generator and loopback copies (servers stay well under a core); there the throughput ratio says little and the CPU per GET says more. Small ranges (a web seed asks for one piece at a time) are bound by the per-request work: the origin looks the item up (in memory once read), counts popularity and egress, and sets the safety headers on every GET.')
  lines.push('- What the origin does per ranged GET (issue 18, from `--cpu-prof` profiles): the item from its cache (deletion evicts it, so the next GET answers 410 at once), no redirect decision for a `Range` or with redirects off, the bytes read with one `read(2)` on a descriptor kept open for the origin\'s own blobs (at most 64, closed after 5 s idle or when the blob is deleted) and written straight to the response when no upload cap applies. `express.static` does `stat`, `open`, `read` and `close` for each. The origin sends 17 headers (the safety headers and `Link` of design §5) where `express.static` sends 10: autocannon parses them in JavaScript, so where the load generator nears a core the origin\'s longer answers cost it GETs/s that its own CPU would not.')
  lines.push('')
  return lines
}
