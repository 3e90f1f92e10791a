// The seeder-scale section of RESULTS.md (one seeder holding thousands of
// items: memory, idle CPU, open files, a cold GET), its targets, and what
// would close them.

import type { ScenarioRecord } from './bench-report.ts'
import { judge, MB, mib, n, type Verdict } from './report-format.ts'
import type { SeederScaleResult } from './seeder-scale.ts'

export function seederScaleSection (record: ScenarioRecord<SeederScaleResult>, verdicts: Verdict[], maxOpenFiles: string): string[] {
  const lines: string[] = ['## 4. Seeder scale', '']
  if (record.result === undefined) return [...lines, `Failed: ${record.error ?? 'unknown error'}`, '']
  const r = record.result
  const c = r.config
  lines.push(`${n(c.items, 0)} items of ${n(c.itemSize / 1024, 0)} KiB published hot (${c.publishConcurrency} at a time) to an origin seeding at most ${c.originMaxActive} at once; one seeder (metadata in ${c.seederDb}, \`FEDSWARM_MAX_ACTIVE_TORRENTS=${c.maxActive}\`, web seed after ${c.webSeedAfter}) fetches every one. Measured ${record.measuredAt}, ${n(record.seconds, 0)} s.`, '')
  const empty = Object.entries(r.empty).map(([db, e]) => `${db}: ${mib(e.rssBytes, 0)}, idle CPU ${n(e.idleCpuPercent)} %, ${e.openFiles} open files`).join('; ')
  lines.push('| measure | value |', '| --- | --- |')
  lines.push(`| items held | ${n(r.fill.held, 0)} of ${n(r.fill.published, 0)} published |`)
  lines.push(`| time to get them there | ${n(r.fill.heldSeconds, 0)} s (${n(r.fill.itemsPerSecond, 1)} items/s; publishing alone ${n(r.fill.publishSeconds, 0)} s) |`)
  lines.push(`| torrents in the swarm | ${r.activeTorrents} |`)
  lines.push(`| resident memory (VmRSS) | **${mib(r.rssBytes, 0)}** (${n(r.rssBytes / MB, 0)} MB) |`)
  lines.push(`| open files | ${n(r.openFiles.total, 0)} (${n(r.openFiles.sockets, 0)} sockets, ${r.openFiles.epoll} epoll instances) |`)
  lines.push(`| CPU while idle | **${n(r.idleCpu.percentOfOneCore)} %** of one core (${r.idleCpu.cpuSeconds} s over ${r.idleCpu.seconds} s${r.idleCpu.verifySeconds === undefined ? ', right after the fill' : `, once the origin had verified every copy, ${r.idleCpu.verifySeconds} s after the fill`}) |`)
  lines.push(`| an empty seeder, for comparison | ${empty} |`)
  lines.push(`| cold item over HTTP (not in the swarm) | ${n(r.cold.serveMs, 1)} ms (first byte ${n(r.cold.firstByteMs, 1)} ms), bytes ${r.cold.verified ? 'verified' : '**not verified**'} |`)
  lines.push(`| back in the swarm (tracker lists it as a complete peer) | ${Number.isFinite(r.cold.backInSwarmMs) ? `${n(r.cold.backInSwarmMs, 0)} ms after the first GET` : 'not within 60 s'} (${r.cold.requestsToReactivate} GETs sent by then, 100 ms apart; complete peers before the first: ${r.cold.completeBefore}) |`)
  lines.push('')
  verdicts.push({ target: `Seeder: ${n(c.items, 0)} items under 300 MB resident`, measured: `${n(r.rssBytes / MB, 0)} MB`, verdict: judge(r.rssBytes / MB, 300, 'max', ' MB') })
  verdicts.push({ target: 'Seeder: idle CPU under 2 %', measured: `${n(r.idleCpu.percentOfOneCore)} %`, verdict: judge(r.idleCpu.percentOfOneCore, 2, 'max', ' points') })
  lines.push('Notes:', '')
  const perTorrent = r.activeTorrents > 0 ? r.openFiles.sockets / r.activeTorrents : 0
  if (perTorrent > 20) {
    lines.push(`- **About ${n(perTorrent, 0)} sockets per active torrent.** With ${r.activeTorrents} torrents in the swarm the seeder holds ${n(r.openFiles.total, 0)} descriptors (the open-file limit here is given above). The count grows with the active set, not with the items on disk, and matches WebRTC peer connections: each torrent announces to the origin's WebSocket tracker with a batch of WebRTC offers, and each offer (through \`@roamhq/wrtc\`) opens ICE sockets and an event loop of its own. The origin does the same for every torrent it seeds: publishing ~40 hot items quickly took an origin past 20,000 descriptors (\`epoll_create: Too many open files\`, then refused connections) while this harness was being written, which is why the fill here uses an origin active set of ${c.originMaxActive}. Memory and idle CPU most likely follow the same peer connections: the empty seeder above has neither them nor the cost.`)
  }
  const limit = Number(maxOpenFiles)
  if (Number.isFinite(limit) && r.openFiles.total > 0.5 * limit) {
    lines.push(`- The seeder runs within reach of the open-file limit (${n(r.openFiles.total, 0)} of ${n(limit, 0)}), and the count moves with the peer connections: in one earlier full run of this harness the seeder exited after 1,792 of 2,000 items, most likely at that limit (that version of the harness did not keep its output).`)
  }
  if (c.seederDb !== 'pglite' && r.empty.pglite !== undefined && r.empty[c.seederDb] !== undefined) {
    lines.push(`- The measured seeder keeps its metadata in ${c.seederDb} (the natural choice beside a fediverse server, which runs PostgreSQL anyway); the embedded default, PGlite, adds about ${mib(r.empty.pglite.rssBytes - r.empty[c.seederDb]!.rssBytes, 0)} of RSS by itself (empty seeders compared above).`)
  }
  lines.push(`- "Idle" is ${c.idleSeconds} s, ${c.settleSeconds} s after every item is held, with nobody fetching; the CPU counts utime + stime from \`/proc/<pid>/stat\`.`)
  lines.push('')
  return lines
}

/** What would close the seeder's missed targets. */
export function seederScaleGaps (r: SeederScaleResult): string[] {
  const out: string[] = []
  if (r.rssBytes > 300 * MB) {
    const m = r.memory
    out.push(`- **Seeder memory**: an empty seeder costs ${mib(r.empty[r.config.seederDb]?.rssBytes ?? 0, 0)}; with ${n(r.config.items, 0)} items, ${r.activeTorrents} of them in the swarm with ${n(r.openFiles.sockets, 0)} sockets, it holds ${mib(r.rssBytes, 0)}${m === undefined ? '' : ` (V8 heap: ${mib(m.heapUsedBytes, 0)} used of ${mib(m.heapTotalBytes, 0)} reserved; ${mib(m.externalBytes, 0)} outside it)`}. Where it goes: a heap snapshot of the seeder after a forced GC (\`--heapsnapshot-signal\`) against its RSS.`)
  }
  if (r.idleCpu.percentOfOneCore > 2) {
    out.push(`- **Seeder idle CPU**: ${n(r.idleCpu.percentOfOneCore)} % of one core over the ${r.idleCpu.seconds} s that start ${r.config.settleSeconds} s after the fill, with ${r.activeTorrents} torrents in the swarm (an empty seeder: ${n(r.empty[r.config.seederDb]?.idleCpuPercent)} %). Section 5 measures a seeder holding 10,000 items at rest (30 s after its fill); what the seeder spends it on is not measured here (a CPU profile of the whole run: \`npm run bench -- --only seeder-scale --cpu-prof DIR\`).`)
  }
  return out
}
