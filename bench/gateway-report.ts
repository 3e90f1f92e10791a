// The gateway's section of RESULTS.md (ranged GETs of the origin against
// express.static on the same file) and its targets.

import type { ScenarioRecord } from './bench-report.ts'
import type { GatewayResult } from './gateway.ts'
import { judge, MiB, mib, n, type Verdict } from './report-format.ts'

export function gatewaySection (record: ScenarioRecord<GatewayResult>, verdicts: Verdict[]): string[] {
  const lines: string[] = ['## 3. Gateway', '']
  if (record.result === undefined) return [...lines, `Failed: ${record.error ?? 'unknown error'}`, '']
  const g = record.result
  const c = g.config
  lines.push(`One ${mib(c.size, 0)} item on a real origin process (not hot, no upload cap, metadata in ${c.db}), \`GET /media/:id\` with a \`Range\` of fixed length at a random aligned offset, against \`express.static\` serving the very same blob file (\`DATA/blobs/fedswarm/<id>\`) in its own process. autocannon, ${c.connections} connections, ${c.duration} s per round, ${c.rounds} round(s), alternated. nginx: ${g.nginx}. Measured ${record.measuredAt}.`, '')
  lines.push('| range | server | GETs/s | MiB/s | p50 / p99 latency | server CPU (cores) | server CPU per GET |')
  lines.push('| --- | --- | --- | --- | --- | --- | --- |')
  for (const r of g.runs) lines.push(`| ${n(r.rangeLength / 1024, 0)} KiB | ${r.server} (round ${r.round}) | ${n(r.requestsPerSecond, 0)} | ${n(r.bytesPerSecond / MiB, 1)} | ${r.latencyMs.p50} / ${r.latencyMs.p99} ms | ${r.serverCpu} | ${n(r.cpuMicrosPerRequest, 0)} µs |`)
  lines.push('')
  for (const cmp of g.comparisons) {
    lines.push(`- ${n(cmp.rangeLength / 1024, 0)} KiB ranges: origin ${n(cmp.requestsPerSecond.origin, 0)} vs express.static ${n(cmp.requestsPerSecond.static, 0)} GETs/s → **${n(cmp.ratio, 3)}**; CPU per GET ${n(cmp.cpuMicrosPerRequest.origin, 0)} vs ${n(cmp.cpuMicrosPerRequest.static, 0)} µs → a CPU-bound origin would reach **${n(cmp.cpuRatio, 3)}** of express.static.`)
    verdicts.push({ target: `Gateway (${n(cmp.rangeLength / 1024, 0)} KiB ranges): ≥ 0.7 x the static server`, measured: `${n(cmp.ratio, 3)} x (CPU per GET: ${n(cmp.cpuRatio, 3)} x)`, verdict: judge(cmp.ratio, 0.7, 'min', ' x') })
  }
  lines.push('', 'Notes:', '')
  lines.push('- Large ranges are bound by the load generator and loopback copies (servers stay well under a core); there the throughput ratio says little and the CPU per GET says more. Small ranges (a web seed asks for one piece at a time) are bound by the per-request work: the origin looks the item up (in memory once read), decides on a redirect, counts popularity and egress, and sets the safety headers on every GET.')
  lines.push('')
  return lines
}
