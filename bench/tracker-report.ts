// The tracker's section of RESULTS.md (ours against stock bittorrent-tracker:
// announces per second, CPU and heap per swarm), its targets, and what would
// close them.

import type { ScenarioRecord } from './bench-report.ts'
import { judge, mib, n, type Verdict } from './report-format.ts'
import type { TrackerResult } from './tracker.ts'

export function trackerSection (record: ScenarioRecord<TrackerResult>, verdicts: Verdict[]): string[] {
  const lines: string[] = ['## 2. Tracker', '']
  if (record.result === undefined) return [...lines, `Failed: ${record.error ?? 'unknown error'}`, '']
  const t = record.result
  const c = t.config
  lines.push(`${n(c.items, 0)} live items (our tracker: all on the allowlist; the stock server has none), ${c.peersPerSwarm} peers announced into every swarm first (${n(c.items * c.peersPerSwarm, 0)} announces), then autocannon with ${c.connections} connections for ${c.duration} s per round, ${c.rounds} round(s) per tracker, alternated; each announce names a random swarm and one of its peers (compact, numwant 50). Each tracker runs in its own process (\`bench/tracker-server.ts\`); ours is mounted on \`node:http\` as the origin mounts it (ahead of express), with rate limits on and a budget of 10^9 per second per address and per address + torrent. Measured ${record.measuredAt}.`, '')
  lines.push('| tracker | round | announces/s | p50 / p99 latency | non-2xx | refused by rate limit | CPU: tracker / load generator (cores) | tracker CPU per announce |')
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const r of t.runs) lines.push(`| ${r.kind} | ${r.round} | ${n(r.announcesPerSecond, 0)} | ${r.latencyMs.p50} / ${r.latencyMs.p99} ms | ${r.non2xx} | ${r.rateLimited ?? '—'} | ${r.cpu.tracker} / ${r.cpu.generator} | ${n(r.cpuMicrosPerAnnounce, 0)} µs |`)
  lines.push('', `Mean: ours **${n(t.announcesPerSecond.ours, 0)}**/s, stock **${n(t.announcesPerSecond.stock, 0)}**/s → ratio **${n(t.ratio, 3)}**. CPU per announce: ours ${n(t.cpuMicrosPerAnnounce?.ours, 0)} µs, stock ${n(t.cpuMicrosPerAnnounce?.stock, 0)} µs → a CPU-bound tracker of ours would reach **${n(t.cpuRatio, 3)}** of the stock one.`, '')
  lines.push('| tracker | swarms | peers | heap: empty / allowlist filled / swarms filled | per swarm | per live item (allowlist + swarm) | per peer | RSS |')
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const m of t.memory) lines.push(`| ${m.kind} | ${n(m.swarms, 0)} | ${n(m.peers, 0)} | ${mib(m.heap.empty)} / ${mib(m.heap.allowlisted)} / ${mib(m.heap.filled)} | ${n(m.bytesPerSwarm, 0)} B | ${n(m.bytesPerLiveItem, 0)} B | ${n(m.bytesPerPeer, 0)} B | ${mib(m.rss, 0)} |`)
  lines.push('')
  const ours = t.memory.find((m) => m.kind === 'ours')
  verdicts.push({ target: 'Tracker: ≥ 0.9 x the stock server\'s announces/s', measured: `${n(t.ratio, 3)} x (${n(t.announcesPerSecond.ours, 0)} vs ${n(t.announcesPerSecond.stock, 0)}/s); CPU per announce: ${n(t.cpuRatio, 3)} x`, verdict: judge(t.ratio, 0.9, 'min', ' x') })
  verdicts.push({ target: 'Tracker: memory per live item stated', measured: ours === undefined ? '—' : `${n(ours.bytesPerLiveItem, 0)} B of heap per live item with ${c.peersPerSwarm} peers (${n(ours.bytesPerSwarm, 0)} B per swarm, ${n(ours.bytesPerPeer, 0)} B per peer)`, verdict: 'stated' })
  lines.push('Notes:', '')
  lines.push('- Heap is measured after two forced GCs (`--expose-gc`) in the tracker\'s process; "per swarm" divides the growth from the filled allowlist to the filled swarms by the swarms; "per live item" also counts the allowlist entry.')
  lines.push(`- The load generator shares the machine with the tracker; neither process reaches a full core in every round (see CPU), so part of each figure is the loopback and scheduler under the other sessions' load (load average ${record.loadAverageAfter.join(' ')} after the scenario). Rounds alternate to spread that noise; compare rounds, not single numbers.`)
  if (t.ratio < 0.9) lines.push('- Our announce path does more per request than the stock one: a strict parse of the query before bittorrent-tracker parses it again, the allowlist lookup, two token buckets and the peer cap.')
  lines.push('')
  return lines
}

/** What would close the tracker's missed target. */
export function trackerGaps (t: TrackerResult): string[] {
  const out: string[] = []
  if (t.ratio < 0.9) {
    out.push('- **Tracker**: parse the query once and give bittorrent-tracker the parsed params (its `_onRequest`, encoding the answer ourselves) instead of letting it parse the query again. Re-measure with more rounds on a quiet machine: single rounds here vary by ±30 %.')
  }
  return out
}
