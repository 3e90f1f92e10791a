// The tracker's section of RESULTS.md (ours, in memory and on Redis behind one
// and two processes, against stock bittorrent-tracker, in each workload:
// announces per second, latency, CPU and heap per swarm), its targets, and
// what would close them.

import type { ScenarioRecord } from './bench-report.ts'
import { judge, mib, n, type Verdict } from './report-format.ts'
import type { TrackerKind } from './tracker-server.ts'
import type { TrackerResult, TrackerRun, TrackerWorkloadResult } from './tracker.ts'

/** ≥ 2 x the stock server's announces/s in each workload (issue 16). */
const TARGET_RATIO = 2

const KIND_NAMES: Record<TrackerKind, string> = { ours: 'ours, memory', redis: 'ours, Redis', stock: 'stock' }

function label (kind: TrackerKind, processes: number): string {
  return processes === 1 ? KIND_NAMES[kind] : `${KIND_NAMES[kind]}, ${processes} processes`
}

/** Cores used: the tracker (all its processes, and each one's where there are several), the load generator, Redis. */
function cores (r: TrackerRun): string {
  const tracker = r.perProcess === undefined ? String(r.cpu.tracker) : `${r.cpu.tracker} (${r.perProcess.map((p) => p.cpu).join(' + ')})`
  return `${tracker} / ${r.cpu.generator} / ${r.cpu.redis ?? '—'}`
}

function micros (value: number | undefined): string {
  return value === undefined ? '—' : `${n(value, 0)} µs`
}

function workloadName (w: TrackerWorkloadResult): string {
  return `${n(w.workload.items, 0)} items x ${w.workload.peersPerSwarm} peers`
}

function workloadLines (w: TrackerWorkloadResult): string[] {
  const { items, peersPerSwarm } = w.workload
  const lines = [`### ${workloadName(w)}`, '']
  lines.push(`${n(items, 0)} live items, ${peersPerSwarm} peers announced into every swarm first (${n(items * peersPerSwarm, 0)} announces); answers hold up to ${Math.min(50, peersPerSwarm - 1)} peers.`, '')
  lines.push('Medians of the rounds:', '')
  lines.push('| tracker | announces/s | ratio to stock | p50 / p99 latency | tracker CPU per announce | Redis CPU per announce |')
  lines.push('| --- | --- | --- | --- | --- | --- |')
  for (const m of w.means) lines.push(`| ${label(m.kind, m.processes)} | **${n(m.announcesPerSecond, 0)}** | ${n(m.ratio, 3)} x | ${m.latencyMs.p50} / ${m.latencyMs.p99} ms | ${micros(m.cpuMicrosPerAnnounce)} | ${micros(m.redisCpuMicrosPerAnnounce)} |`)
  lines.push('', 'Every round:', '')
  lines.push('| tracker | round | announces/s | p50 / p99 latency | non-2xx / errors (timeouts) | refused by rate limit | CPU: tracker / load generator / Redis (cores) | tracker CPU per announce | Redis CPU per announce |')
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const r of w.runs) lines.push(`| ${label(r.kind, r.processes ?? 1)} | ${r.round} | ${n(r.announcesPerSecond, 0)}${r.perProcess === undefined ? '' : ` (${r.perProcess.map((p) => n(p.announcesPerSecond, 0)).join(' + ')})`} | ${r.latencyMs.p50} / ${r.latencyMs.p99} ms | ${r.non2xx} / ${r.errors} | ${r.rateLimited ?? '—'} | ${cores(r)} | ${micros(r.cpuMicrosPerAnnounce)} | ${micros(r.redisCpuMicrosPerAnnounce)} |`)
  lines.push('', `CPU per announce: ours ${n(w.cpuMicrosPerAnnounce.ours, 0)} µs, stock ${n(w.cpuMicrosPerAnnounce.stock, 0)} µs → a CPU-bound tracker of ours would reach **${n(w.cpuRatio, 3)}** x the stock one.`, '')
  lines.push('| tracker | swarms | peers | heap: empty / allowlist filled / swarms filled | per swarm | per live item (allowlist + swarm) | per peer | RSS |')
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const m of w.memory) lines.push(`| ${KIND_NAMES[m.kind]} | ${n(m.swarms, 0)} | ${n(m.peers, 0)} | ${mib(m.heap.empty)} / ${mib(m.heap.allowlisted)} / ${mib(m.heap.filled)} | ${n(m.bytesPerSwarm, 0)} B | ${n(m.bytesPerLiveItem, 0)} B | ${n(m.bytesPerPeer, 0)} B | ${mib(m.rss, 0)} |`)
  lines.push('')
  return lines
}

/** What the two-process rows can and cannot show on a machine of `cores` cores. */
function processesNote (cores: number): string {
  // Two tracker processes, Redis and the load generator's two wrk threads: five busy processes.
  if (cores < 5) return `- Two processes on this ${cores}-core machine: both tracker processes, Redis and the load generator (two wrk processes of one thread each, one per tracker process) share ${cores} cores, so "2 processes" cannot show what a second process adds on a core of its own, and its announces/s are no ceiling. It does show that two processes answer from one set of swarms in Redis, what an announce then costs in tracker CPU (summed over both processes), and the latency when they share the load. Whether announces/s grow with processes needs a machine with a core for each tracker process, one for Redis and at least one for the load.`
  return `- Two processes on this ${cores}-core machine: both tracker processes, Redis and the load generator (two wrk processes of one thread each, one per tracker process) can each have a core, so announces/s show what a second process adds, as long as the load generator (its cores in the table of every round) is not the bound.`
}

export function trackerSection (record: ScenarioRecord<TrackerResult>, verdicts: Verdict[], cores: number): string[] {
  const lines: string[] = ['## 2. Tracker', '']
  if (record.result === undefined) return [...lines, `Failed: ${record.error ?? 'unknown error'}`, '']
  const t = record.result
  if (!Array.isArray(t.workloads)) return [...lines, 'Measured by an older harness: re-run `npm run bench -- --only tracker`.', '']
  const c = t.config
  lines.push(`Our HTTP announce path (query parsed once, compact answer written from the swarm store) against bittorrent-tracker's stock \`Server\` (\`http: true\`, no allowlist), in two workloads. Each round starts the tracker afresh in its own process (\`bench/tracker-server.ts\`), fills every swarm (autocannon, in the harness's process: every peer announces once), then runs wrk (\`bench/tracker-load.lua\`; one wrk process of one thread per tracker process) with ${c.connections} connections for ${c.duration} s; each announce names a random swarm and one of its peers (a line picked at random from a file of every announce path of the workload; compact, numwant 50, half the peers complete). ${c.rounds} round(s) per tracker, the trackers alternated within each round so that the machine's other load falls on all of them alike; the figures are the medians of the rounds. Ours listens as the origin does (web's \`listenHttp\`: plain \`GET /announce\` requests read off the socket by the lane, \`web/src/request-lane.ts\`, anything else through \`node:http\`, ahead of express), allowlist on, rate limits on with a budget of 10^9 per second per address and per address + torrent; "ours, Redis" is the same tracker with its swarms in Redis (${c.redisUrl === undefined ? 'not run: no Redis' : 'the machine\'s `redis-server`, each run on a key prefix of its own, deleted after it'}) behind one origin process; "ours, Redis, 2 processes" is two such processes on the same prefix, so on the same swarms: each with its own allowlist, peer j of every swarm filled through process j mod 2 (so each one\'s answers list peers announced to the other), and the same load split between them, two wrk processes at once with half the connections each, same duration and announce paths. For two processes, announces/s are the two runs\' summed and the CPU per announce is both processes\' CPU over both runs\' announces. p50 / p99 are over every announce of every run, not the worse run\'s: each wrk run reports its latency at every 0.1 % from 0 to 100 %, and the runs\' lists are merged weighted by their announces (wrk\'s latencies include its correction for coordinated omission, which adds the waits that a slow answer kept a connection from sending). On Redis, the redis-server\'s CPU during the load (user + system from its \`INFO cpu\`: the whole server\'s, so another user\'s commands at the time would count too) is listed beside the tracker\'s. Measured ${record.measuredAt}.`, '')
  for (const w of t.workloads) {
    lines.push(...workloadLines(w))
    verdicts.push({ target: `Tracker, ${workloadName(w)}: ≥ ${TARGET_RATIO} x the stock server's announces/s`, measured: `${n(w.ratio, 3)} x (${n(w.announcesPerSecond.ours, 0)} vs ${n(w.announcesPerSecond.stock, 0)}/s); CPU per announce: ${n(w.cpuRatio, 3)} x`, verdict: judge(w.ratio, TARGET_RATIO, 'min', ' x') })
    for (const redis of w.means.filter((m) => m.kind === 'redis')) {
      const processes = redis.processes === 1 ? 'one process' : `${redis.processes} processes`
      const redisCpu = redis.redisCpuMicrosPerAnnounce === undefined ? '' : ` + ${n(redis.redisCpuMicrosPerAnnounce, 0)} µs of Redis`
      verdicts.push({ target: `Tracker on Redis, ${processes}, ${workloadName(w)}: stated`, measured: `${n(redis.announcesPerSecond, 0)}/s (${n(redis.ratio, 3)} x stock), p50 / p99 ${redis.latencyMs.p50} / ${redis.latencyMs.p99} ms, ${n(redis.cpuMicrosPerAnnounce, 0)} µs of tracker CPU per announce${redisCpu}`, verdict: 'stated' })
    }
  }
  const first = t.workloads[0]?.memory.find((m) => m.kind === 'ours')
  if (first !== undefined) verdicts.push({ target: 'Tracker: memory per live item stated', measured: `${n(first.bytesPerLiveItem, 0)} B of heap per live item with ${t.workloads[0]!.workload.peersPerSwarm} peers (${n(first.bytesPerSwarm, 0)} B per swarm, ${n(first.bytesPerPeer, 0)} B per peer)`, verdict: 'stated' })
  lines.push('Notes:', '')
  lines.push('- Heap is measured after two forced GCs (`--expose-gc`) in the tracker\'s process; "per swarm" divides the growth from the filled allowlist to the filled swarms by the swarms; "per live item" also counts the allowlist entry. The Redis runs keep their swarms in Redis, so their heap is not listed.')
  lines.push(`- The load generator (wrk, one process of one thread per tracker process; its cores in the table of every round are the wrk processes' own CPU, user + system, as their shell's \`times\` reports it) shares the machine's cores with the tracker and with other sessions' work (load average ${record.loadAverageAfter.join(' ')} after the scenario): a tracker got between a sixth of a core and most of one from round to round, so single rounds vary several fold; the medians and the CPU per announce (what a tracker spends, whatever it was given) are the figures to compare.`)
  if (t.workloads.some((w) => w.means.some((m) => m.processes > 1))) lines.push(processesNote(cores))
  lines.push('- Ours answers the way the stock server does (interval, complete, incomplete, `peers` and `peers6` compact) and more: it never lists the announcer itself, and it checks the query strictly (bad numbers and unknown events are a 400) before the allowlist, the two token buckets and the peer cap.')
  lines.push('')
  return lines
}

/** What would close the tracker's missed targets. */
export function trackerGaps (t: TrackerResult): string[] {
  if (!Array.isArray(t.workloads)) return []
  const missed = t.workloads.filter((w) => w.ratio < TARGET_RATIO)
  if (missed.length === 0) return []
  const best = missed.map((w) => {
    const top = w.runs.filter((r) => r.kind === 'ours').sort((a, b) => b.announcesPerSecond - a.announcesPerSecond)[0]
    return top === undefined ? '' : `${workloadName(w)}: ${n(top.announcesPerSecond, 0)}/s at ${n(top.cpuMicrosPerAnnounce, 0)} µs per announce in its best round`
  }).filter(Boolean).join('; ')
  return [
    `- **Tracker** (${missed.map(workloadName).join(', ')}): with small answers most of an announce's cost is node:http's own, which both trackers pay alike: by hand (\`node --cpu-prof\`, and a handler answering a fixed body on the same server and load), a request that does nothing costs 53 to 74 µs of CPU here, the stock server 140 to 180 µs and ours 104 to 150 µs; the profile of ours puts its own code (parse, allowlist, two token buckets, swarm store, answer) at about a fifth of its CPU and the socket write alone at a quarter to a third. Twice the stock server's rate needs ours at about 90 µs, some 20 µs above a request that does nothing. Left to try: measure where the load generator has cores of its own (at quiet moments ours goes much faster: ${best}), and an HTTP layer cheaper than node:http for \`/announce\` alone.`
  ]
}
