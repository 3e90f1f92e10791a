// The namespaced storm's section of RESULTS.md (issue 18): per storm, egress
// and times side by side for every phase, against the plain-HTTP baseline of
// the same topology, and the issue's targets.

import type { ScenarioRecord } from './bench-report.ts'
import { judge, n, seconds, type Verdict } from './report-format.ts'
import type { Completion } from './storm.ts'
import { allPhases, baselineOf, swarmPhases, type NetPhase, type NetStormResult, type StormNetnsResult } from './storm-netns.ts'
import { ratio } from './storm-netns-math.ts'

const mbitText = (bytesPerSecond: number): string => `${n(bytesPerSecond * 8 / 1e6, 1)} Mbit/s`
const mb = (bytes: number): string => `${n(bytes / 1e6, 1)} MB`
/** A completion's max against T_min: '—' when the phase has no such fetchers, 'not all done' when some never finished. */
const times = (c: Completion | undefined, tMin: number): string => {
  if (c === undefined) return '—'
  const max = finite(c.max)
  return max === undefined ? `not all done (${c.done} of ${c.of})` : `${seconds(max)} (${n(max / tMin)} x)`
}
const at = (value: number | undefined): string => value === undefined ? '—' : n(value, 1)
/** JSON has no Infinity: a phase where not every fetcher finished keeps null. */
const finite = (value: number | null | undefined): number | undefined => value === null || value === undefined || !Number.isFinite(value) ? undefined : value

/** Bytes on the wire of one plain-HTTP copy of F (headers included), from the baseline of the same run. */
function wireCopy (s: NetStormResult): number | undefined {
  const b = s.baselineAll ?? s.baseline
  return b === undefined || b.fetchers.plain === 0 ? undefined : b.originSent / b.fetchers.plain
}

function phaseRow (p: NetPhase, s: NetStormResult): string {
  const copy = wireCopy(s)
  const vs = s.vsPlain.find((v) => v.phase === p.name)
  const served = (x: NonNullable<NetPhase['plain']>): string => x.servingSeeders === undefined ? '' : `, to ${x.servingSeeders} seeders, at most ${x.mostOnOneSeeder} to one`
  const plain = p.plain === undefined ? '—' : `${p.plain.givenUp} of ${p.fetchers.plain}${p.plain.redirected > 0 ? ` (${p.plain.redirected} redirected${served(p.plain)})` : ''}`
  // Results written before the seeders' fields were left out of plain-HTTP phases hold 0 there.
  const t = p.fetchers.seeders > 0 ? p.timeline : { ...p.timeline, seeders10: undefined, seedersGot50: undefined, seedersGot90: undefined }
  return `| ${p.name} | ${p.fetchers.seeders} + ${p.fetchers.plain} | ${p.arrivals} | **${n(p.originSentOverF)}** | ${copy === undefined ? '—' : n(p.originSent / copy)} | ${n(p.productEgressOverF)} | ${n(p.seedersSentOverF, 1)} | ${n(p.tMin, 1)} s | ${times(p.seederCompletion, p.tMin)} | ${times(p.plainCompletion, p.tMin)} | ${at(t.origin10)} / ${at(t.seeders10)} / ${at(t.seedersGot50)} / ${at(t.seedersGot90)} / ${at(t.originDone)} s | ${plain} | ${vs === undefined ? '—' : `${n(vs.ratio)} x`} | ${n(p.cpu.origin, 1)} / ${n(p.cpu.seeders, 1)} (${n(p.cpu.seederMax, 1)}) / ${n(p.cpu.fetchers, 1)} | ${n(100 * p.cpu.machineBusy, 0)} % |`
}

function stormTable (s: NetStormResult): string[] {
  const c = s.spec
  const lines = [`### ${c.label}: N = ${c.seeders} seeders, M = ${c.plainFetchers} plain fetchers, F = ${mb(c.size)}, origin ${mbitText(c.originCap)}, every other host ${mbitText(c.peerCap)}`, '']
  if (s.error !== undefined) lines.push(`**Failed:** ${s.error}`, '')
  lines.push('| phase | seeders + plain | plain arrivals | origin sent / F (kernel) | in plain-HTTP copies | origin\'s own counters / F | seeders sent / F | T_min | slowest seeder (x T_min) | slowest plain (x T_min) | at: origin sent 10 % of F / seeders sent 10 % / seeders got 50 % / 90 % / origin sent 98 % | given up (Mastodon) | slowest / plain HTTP\'s slowest, same K | CPU s: origin / seeders (busiest) / fetchers | machine busy |')
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const p of allPhases(s)) lines.push(phaseRow(p, s))
  lines.push('')
  const extra: string[] = []
  if (s.speedup !== undefined) extra.push(`speed-up over plain HTTP: ${n(s.speedup)} x with seeders only (plain HTTP to the same ${c.seeders} hosts), ${s.speedupAll === undefined ? '' : `${n(s.speedupAll)} x with the plain fetchers at the publish (plain HTTP to all ${c.seeders + c.plainFetchers})`}`)
  const perGiB = (cpu: number, bytes: number): string => `${n(cpu / (bytes / 2 ** 30), 0)} CPU s per GiB`
  const base = s.baselineAll ?? s.baseline
  if (s.swarm !== undefined && base !== undefined && s.swarm.seedersSentOverF > 0) {
    extra.push(`CPU per byte sent: the seeders ${perGiB(s.swarm.cpu.seeders, s.swarm.seedersSentOverF * c.size)} they sent in the seeders-only phase (their downloads included), the origin ${perGiB(base.cpu.origin, base.originSent)} over plain HTTP (${base.name})`)
  }
  const reasons = [...new Set(allPhases(s).flatMap((p) => p.plain?.reasons ?? []))]
  if (reasons.length > 0) extra.push(`reasons a fetcher would have been given up: ${reasons.slice(0, 4).join('; ')}`)
  const errors = allPhases(s).flatMap((p) => p.errors)
  if (errors.length > 0) extra.push(`${errors.length} errors, the first: ${errors[0]!.split('\n')[0]}`)
  if (extra.length > 0) lines.push(`${extra.join('; ')}. Processes up in ${n(s.setupSeconds, 1)} s.`, '')
  return lines
}

function verdicts (s: NetStormResult, out: Verdict[]): void {
  const c = s.spec
  const tag = `${c.label} (N=${c.seeders}, F=${mb(c.size)})`
  const big = c.seeders >= 10
  if (big && s.swarm !== undefined) {
    out.push({ target: `Netns storm, ${tag}, seeders only: origin egress ≤ 1.1 x F`, measured: `${n(s.swarm.originSentOverF)} x F on the wire (its own counters ${n(s.swarm.productEgressOverF)} x F)`, verdict: judge(s.swarm.originSentOverF, 1.1, 'max', ' x F') })
    out.push({ target: `Netns storm, ${tag}, seeders only: slowest seeder ≤ 1.5 x T_min`, measured: `${seconds(finite(s.swarm.seederCompletion?.max))} = ${n(s.swarm.slowestSeederOverTMin, 3)} x T_min (${n(s.swarm.tMin, 2)} s)`, verdict: judge(s.swarm.slowestSeederOverTMin, 1.5, 'max', ' x T_min') })
    if (s.firstItem !== undefined) out.push({ target: `Netns storm, ${tag}, seeders only, their first item after start: stated`, measured: `slowest seeder ${seconds(finite(s.firstItem.seederCompletion?.max))} = ${n(s.firstItem.slowestSeederOverTMin)} x T_min, origin egress ${n(s.firstItem.originSentOverF)} x F`, verdict: 'stated' })
    if (s.speedup !== undefined) out.push({ target: `Netns storm, ${tag}: ≥ 5 x faster than plain HTTP`, measured: `${n(s.speedup)} x (plain HTTP ${seconds(finite(s.baseline?.allMax))}, swarm ${seconds(finite(s.swarm.allMax))})`, verdict: judge(s.speedup, 5, 'min', ' x') })
  }
  if (big && s.atOnce !== undefined) {
    const slowest = ratio(finite(s.atOnce.allMax), s.atOnce.tMin)
    out.push({ target: `Netns storm, ${tag}, + ${c.plainFetchers} plain at the publish, warm: origin egress ≤ 1.2 x F`, measured: `${n(s.atOnce.originSentOverF)} x F`, verdict: judge(s.atOnce.originSentOverF, 1.2, 'max', ' x F') })
    out.push({ target: `Netns storm, ${tag}, + ${c.plainFetchers} plain at the publish, warm: slowest fetcher ≤ 2 x T_min`, measured: `${seconds(finite(s.atOnce.allMax))} = ${n(slowest, 3)} x T_min (${n(s.atOnce.tMin, 2)} s); ${s.atOnce.plain?.givenUp ?? 0} of ${c.plainFetchers} would be given up`, verdict: judge(slowest, 2, 'max', ' x T_min') })
  }
  if (big && s.cold !== undefined) out.push({ target: `Netns storm, ${tag}, cold: origin egress ≤ 1.5 x F`, measured: `${n(s.cold.originSentOverF)} x F`, verdict: judge(s.cold.originSentOverF, 1.5, 'max', ' x F') })
  if (s.vsPlain.length > 0) {
    const worst = s.vsPlain.reduce((a, b) => (b.ratio > a.ratio ? b : a))
    out.push({ target: `Netns storm, ${tag}: no fetcher slower than 1.25 x plain HTTP's slowest (same K)`, measured: `worst ${n(worst.ratio)} x (${worst.phase})`, verdict: judge(worst.ratio, 1.25, 'max', ' x') })
  }
}

export function stormNetnsSection (record: ScenarioRecord<StormNetnsResult>, out: Verdict[]): string[] {
  const lines: string[] = ['## 1b. The storm on network namespaces (issue 18)', '']
  if (record.result === undefined) return [...lines, `Failed: ${record.error ?? 'unknown error'}`, '']
  const r = record.result
  if (r.mode === 'loopback') {
    const l = r.loopback
    lines.push(`**Not on network namespaces: ${r.reason}.** This run fell back to the loopback storm (every process on 127.0.0.1, the product's own caps and counters): N = ${l.config.seeders}, F = ${mb(l.config.size)}, origin egress ${n(l.swarm.egressOverF)} x F, slowest ${seconds(l.swarm.all.max)} = ${n(l.swarm.maxOverTMin)} x T_min${l.speedup === undefined ? '' : `, ${n(l.speedup)} x faster than plain HTTP`}. Run as root for the measurement this section describes.`, '')
    return lines
  }
  lines.push(`Measured ${record.measuredAt}, ${n(record.seconds, 0)} s. Every process on its own address of the benchmarking range 198.18.0.0/15 (RFC 2544) in its own network namespace: the origin, each seeder, and each group of up to ${r.fetchersPerGroup} plain fetchers, joined by veth pairs to one bridge, which holds the harness's own address. Each host's upload is capped by a tc token bucket (tbf, 100 ms of queue) on its end of the pair; downloads are not capped; ${r.productCaps === true ? 'each process also has its cap as `FEDSWARM_UPLOAD_LIMIT` (`--product-caps`), so the product knows its link' : 'the product\'s own upload caps are off (so a seeder reports no capacity to the origin, which assumes 10 MiB/s of one; `--product-caps` gives each process its tc cap as `FEDSWARM_UPLOAD_LIMIT` too)'}${r.linkStated === true ? '; the origin is told its link as `FEDSWARM_UPLOAD_CAPACITY` (its tc cap), so it serves plain fetchers itself while that link has room' : ''}. "Sent" is the kernel's count of what left a host (the bridge-side end's rx_bytes, which the veth driver reports as its peer's tx_bytes), Ethernet, IP and TCP headers included; "in plain-HTTP copies" divides it by what one plain-HTTP copy of F cost on the wire in the same run's baseline, so headers cancel out. Metadata in ${r.db}${r.db === 'postgres' ? ' through its Unix socket (no database traffic on the links)' : ''}; seeders add the web seed after ${r.webSeedAfter} without peer bytes.`, '')
  lines.push('Phases per storm: seeders only, their first item after start (each trusted through its canary; Node compiles the code that moves the bytes and loads webtorrent in every seeder at once, on the bench\'s cores); seeders only again, on the next item (warm seeders, as a server that has run for a while has them: the targets are on this row); the same seeders plus the M plain fetchers all at the publish (the worst case), then spread; cold: a fresh origin and fresh seeders, the last registered 3 s before the publish, every plain fetcher at it; plain HTTP from the origin with no seeder, K = N and K = N + M at once. Seeders are timed from the publish request to their first 200 on `HEAD /media/<infoHash>` (asked as soon as the seeder\'s log, at level info, says the item is complete and verified, and every second in case it does not; the kernel counters of all hosts are read at once from /proc/net/dev: the harness takes little of the CPU the seeders share), plain fetchers from their arrival to their last byte, verified. Plain fetchers behave like Mastodon\'s media download: they follow at most 2 redirects, wait at most 10 s for a read and 30 s for a response; here they fetch to the end and count as "given up" when Mastodon would have. The "at" column says where the time went, in seconds from the publish request (kernel counters read every 200 ms): when the origin had sent 10 % of F, when the seeders together had, when the seeders together had received 50 % and 90 % of N·F (headers included, so slightly early), and when the origin had sent 98 % of all it sent in the phase. T_min = max(F/U_s, K·F/(U_s + N·U)) counts only hosts that upload (the origin and the seeders). "Slowest / plain HTTP\'s slowest" compares a phase\'s slowest fetcher with the slowest of plain HTTP with the same K at once (for the spread phase that baseline is the harder, at-once one).', '')
  for (const s of r.storms) {
    lines.push(...stormTable(s))
    verdicts(s, out)
  }
  return lines
}

/** Where the namespaced storms' time went, for the phases that missed a time target, from what the run measured. */
export function stormNetnsGaps (r: StormNetnsResult): string[] {
  if (r.mode !== 'netns') return []
  const out: string[] = []
  for (const s of r.storms) {
    const slow = swarmPhases(s).filter((p) => (ratio(finite(p.allMax), p.tMin) ?? Infinity) > (p.fetchers.plain === 0 ? 1.5 : 2))
    const worst = s.vsPlain.reduce<{ phase: string, ratio: number } | undefined>((a, b) => (a === undefined || b.ratio > a.ratio ? b : a), undefined)
    if (slow.length === 0 && (worst === undefined || worst.ratio <= 1.25)) continue
    const parts: string[] = []
    for (const p of slow) {
      const t = p.timeline
      const cores = p.cpu.machineBusy
      const ours = p.cpu.origin + p.cpu.seeders + p.cpu.fetchers
      parts.push(`${p.name}: the origin had sent 10 % of F at ${at(t.origin10)} s, the seeders had received 90 % of N·F at ${at(t.seedersGot90)} s, the last fetcher finished at ${at(finite(p.allMax))} s (T_min ${n(p.tMin, 1)} s), the origin sending until ${at(t.originDone)} s; our processes used ${n(ours, 1)} CPU s (origin ${n(p.cpu.origin, 1)}, busiest seeder ${n(p.cpu.seederMax, 1)}) while the machine was ${n(100 * cores, 0)} % busy`)
    }
    const lines = [`- **${s.spec.label}** (N = ${s.spec.seeders}, F = ${mb(s.spec.size)}): ${parts.length === 0 ? '' : `${parts.join('; ')}.`}`]
    for (const p of swarmPhases(s)) {
      const x = p.plain
      if (x === undefined || x.givenUp === 0) continue
      lines.push(`  ${p.name}: ${x.givenUp} of ${p.fetchers.plain} plain fetchers would have been given up; ${x.redirected} were redirected to seeders${x.servingSeeders === undefined ? '' : ` (${x.servingSeeders} of them, at most ${x.mostOnOneSeeder} to one)`}${x.longestReadSeconds === undefined ? '' : `, and the longest wait for the next bytes was ${n(x.longestReadSeconds, 1)} s`} (Mastodon allows 10 s per read and 30 s per response; first reasons: ${x.reasons.slice(0, 2).join('; ')}).`)
    }
    if (worst !== undefined && worst.ratio > 1.25) {
      const phase = swarmPhases(s).find((p) => p.name === worst.phase)
      const base = phase === undefined ? undefined : baselineOf(s, phase)
      lines.push(`  Against plain HTTP: its slowest fetcher took ${n(worst.ratio)} x plain HTTP's slowest in "${worst.phase}" (plain HTTP served all ${base === undefined ? '' : base.fetchers.plain} in ${seconds(finite(base?.allMax))}).`)
    }
    out.push(...lines)
  }
  return out
}
