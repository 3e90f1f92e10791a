// The quick run's summary at the end of RESULTS.md: one row per scenario, when
// a full run is on the page above it.

import type { BenchReport } from './bench-report.ts'
import { mib, n, seconds } from './report-format.ts'

export function quickSummary (report: BenchReport): string[] {
  const lines = ['## Quick run', '', `\`npm run bench -- --quick\` on ${report.machine.date} (${n(report.totalSeconds ?? 0, 0)} s, load average at start ${report.machine.loadAverageAtStart.join(' ')}). Smaller sizes, same harness; full numbers are above.`, '']
  const s = report.scenarios.storm?.result
  const rows: string[] = []
  if (s !== undefined) {
    rows.push(`| storm, N=${s.config.seeders}, F=${mib(s.config.size, 0)} | egress ${n(s.swarm.egressOverF)} x F, max ${seconds(s.swarm.all.max)} (${n(s.swarm.maxOverTMin)} x T_min); baseline max ${seconds(s.baseline?.all.max)}, speed-up ${n(s.speedup)} x |`)
    if (s.variant !== undefined) rows.push(`| storm + M=${s.config.plainFetchers} plain | egress ${n(s.variant.egressOverF)} x F, plain share ${n(100 * (s.variant.plainShareOfEgress ?? 0), 0)} %, max ${seconds(s.variant.all.max)}; baseline max ${seconds(s.baselineVariant?.all.max)} |`)
  }
  const t = report.scenarios.tracker?.result
  if (t !== undefined && Array.isArray(t.workloads)) rows.push(`| tracker | ${t.workloads.map((w) => `${n(w.workload.items, 0)} x ${w.workload.peersPerSwarm}: ours ${n(w.announcesPerSecond.ours, 0)}/s vs stock ${n(w.announcesPerSecond.stock, 0)}/s → ${n(w.ratio, 3)}`).join('; ')} |`)
  const g = report.scenarios.gateway?.result
  if (g !== undefined) rows.push(`| gateway | ${g.comparisons.map((cmp) => `${n(cmp.rangeLength / 1024, 0)} KiB: ${n(cmp.ratio, 3)} x`).join(', ')} |`)
  const r = report.scenarios['seeder-scale']?.result
  if (r !== undefined) rows.push(`| seeder, ${n(r.fill.held, 0)} items | RSS ${mib(r.rssBytes, 0)}, idle CPU ${n(r.idleCpu.percentOfOneCore)} %, cold GET ${n(r.cold.serveMs, 1)} ms, back in swarm ${n(r.cold.backInSwarmMs, 0)} ms |`)
  const c = report.scenarios['cpu-per-byte']?.result
  if (c !== undefined) rows.push(`| cpu per byte, ${c.config.seeders} seeders, ${c.config.items} x ${mib(c.config.size, 0)} | seeders ${n(c.seederPerGiBMoved)} vs origin over HTTP ${n(c.originHttpPerGiB)} CPU-s per GiB → ${n(c.ratio)} x |`)
  for (const [name, rec] of Object.entries(report.scenarios)) if (rec?.error !== undefined) rows.push(`| ${name} | failed: ${rec.error} |`)
  return [...lines, '| scenario | result |', '| --- | --- |', ...rows, '']
}
