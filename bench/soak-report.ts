// The soak's section of bench/RESULTS.md: a pure function of its result.

import type { Sample, SoakResult } from './soak-run.ts'
import { KiB, MiB } from './processes.ts'

const size = (bytes: number): string => bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`
const count = (n: number): string => n.toLocaleString('en-US')

/** Up to `points` samples spread evenly over the run, as "t s: x MB". */
function trace (samples: Sample[], points = 11): string {
  if (samples.length === 0) return 'none'
  const picked = Array.from({ length: Math.min(points, samples.length) }, (_, i) => samples[Math.round(i * (samples.length - 1) / Math.max(1, Math.min(points, samples.length) - 1))]!)
  return picked.map((s) => `${Math.round(s.t)} s: ${s.mb}`).join(', ')
}

export function soakCommand (result: SoakResult): string {
  const c = result.config
  return `node bench/soak.ts --seconds ${c.seconds} --warmup ${c.warmupSeconds} --announce-rate ${c.announceRate} --ws-rate ${c.wsRate} --media-rate ${c.mediaRate} --db ${c.db}`
}

export function renderSoakSection (result: SoakResult): string {
  const { config: c, rss, heapUsed, verdict, totals, machine } = result
  const rates: Record<string, number> = { announce: c.announceRate, 'ws-announce': c.wsRate, media: c.mediaRate }
  const labels: Record<string, string> = { announce: 'HTTP announces', 'ws-announce': 'WebSocket announces', media: `ranged GETs (${size(c.rangeLength)})` }
  const outcome = verdict.pass
    ? `**Flat and clean**: RSS grew ${rss.slopeMbPerMinute} MB/min over the second half (threshold ${c.flatMbPerMinute} MB/min) and no request failed.`
    : `**Not passed**: ${[verdict.flat ? '' : `RSS grew ${rss.slopeMbPerMinute} MB/min over the second half (threshold ${c.flatMbPerMinute} MB/min)`, verdict.zeroErrors ? '' : `${count(totals.errors)} of ${count(totals.sent)} requests failed`].filter(Boolean).join('; ')}.`
  const lines = [
    '## Soak: one origin under steady load',
    '',
    `A real \`fedswarm origin\` process (metadata in ${c.db === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}, blobs in a folder) with ${c.items.length} items (${c.items.map((i) => `${size(i.size)}${i.hot ? ' hot' : ''}`).join(', ')}; hot items get three times the requests and are seeded by the origin), driven for ${Math.round(result.durationSeconds)} s by an open-loop load at a fixed rate: HTTP announces of ${count(c.peersPerItem)} peers per item (started, re-announced, 2 % stopped and started again), WebSocket announces from 8 connections replaced every 20 announces, and ranged GETs at random offsets whose bytes are checked. Every answer is checked: an error is any non-2xx, a \`failure reason\`, wrong bytes, a socket error or a timeout (10 s). RSS is read from \`/proc/<pid>/status\` every second; the slope is a least-squares fit over the second half of the run.`,
    '',
    outcome,
    '',
    '| requests | rate asked | answered per second | sent | errors | skipped (load generator ahead of the server) | p50 | p99 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...Object.entries(result.kinds).map(([name, k]) => `| ${labels[name] ?? name} | ${rates[name] ?? '?'}/s | ${k.perSecond} | ${count(k.sent)} | ${count(Object.values(k.errors).reduce((a, b) => a + b, 0))} | ${count(k.skipped)} | ${k.latencyMs.p50} ms | ${k.latencyMs.p99} ms |`),
    '',
    `Error rate: ${totals.errorRate === 0 ? '0' : `${(totals.errorRate * 100).toFixed(3)} %`}.${totals.errors === 0 ? '' : ` By reason: ${Object.entries(result.kinds).flatMap(([name, k]) => Object.entries(k.errors).map(([reason, n]) => `${name}: ${reason} (${count(n)})`)).join('; ')}.`} ${totals.retries === 0 ? 'No request had to be sent again.' : `${count(totals.retries)} GETs were sent once more because the keep-alive connection they were given had just been closed by the origin while idle, before any byte of an answer (the race every HTTP/1.1 client handles this way, RFC 9112 §9.3.1); they are not counted as errors.`}`,
    '',
    '| memory of the origin | start | after warm-up | end | peak | slope, second half |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| RSS | ${rss.startMb} MB | ${rss.afterWarmupMb} MB (${c.warmupSeconds} s) | ${rss.endMb} MB | ${rss.peakMb} MB | ${rss.slopeMbPerMinute} MB/min |`,
    `| V8 heap used | ${heapUsed.samples[0]?.mb ?? '?'} MB | ${heapUsed.afterWarmupMb} MB | ${heapUsed.endMb} MB | ${Math.max(...heapUsed.samples.map((s) => s.mb))} MB | ${heapUsed.slopeMbPerMinute} MB/min |`,
    '',
    `RSS over the run (MB): ${trace(rss.samples)}.`,
    '',
    `At the end the tracker held ${count(result.tracker.swarms)} swarms with ${count(result.tracker.peers)} peers (${count(result.tracker.rateLimited)} announces rate-limited); the origin had ${result.openFiles.end.total} open descriptors (${result.openFiles.end.sockets} sockets) against ${result.openFiles.start.total} (${result.openFiles.start.sockets}) before the load.`,
    '',
    `Measured ${machine.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.nproc} cores (${machine.cpu}), Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')} at the start and ${machine.loadAverageAtEnd.join(' ')} at the end (the load generator runs on the same machine; others may have been using it too).`,
    '',
    `Reproduce: \`${soakCommand(result)}\` (writes \`bench/results/soak.json\`); \`npm run soak\` runs the 300 s default. CI runs the same code for 15 s (\`e2e/soak.test.ts\`) and requires zero errors and RSS growth under 150 MB.`,
    ''
  ]
  return lines.join('\n')
}
