// The storm's chart, bench/results/storm.svg: hand-written SVG, so the bench
// needs no plotting library.

import type { BenchReport } from './bench-report.ts'
import { MiB, n } from './report-format.ts'
import type { PhaseResult } from './storm.ts'

function escapeXml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Two bar panels: origin egress / F, and completion time (p50, max, T_min) for each storm phase. */
export function renderStormSvg (report: BenchReport): string | undefined {
  const storm = report.scenarios.storm?.result
  if (storm === undefined) return undefined
  const phases = [
    ['swarm', storm.swarm], ['+ plain', storm.variant], ['+ plain, no 302', storm.variantNoRedirect], ['+ plain, cold', storm.cold], ['HTTP only', storm.baseline], ['HTTP only', storm.baselineVariant]
  ].filter((entry): entry is [string, PhaseResult] => entry[1] !== undefined)
  const width = 860
  const height = 340
  const panel = { top: 60, bottom: 270, left: [60, 480], width: 330 }
  const colors = { egress: '#4e79a7', p50: '#59a14f', max: '#e15759', tmin: '#333' }
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`)
  const c = storm.config
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">Storm: N=${c.seeders} seeders${c.plainFetchers > 0 ? `, M=${c.plainFetchers} plain fetchers` : ''}, F=${n(c.size / MiB, 1)} MiB, U_s=${n(c.originCap / MiB, 1)} MiB/s, U=${n(c.seederCap / MiB, 1)} MiB/s (${report.mode} run, ${report.machine.date.slice(0, 10)})</text>`)

  const drawPanel = (left: number, title: string, values: Array<Array<{ value: number, color: string, label: string }>>, marks: Array<number | undefined>, unit: string): void => {
    const finite = values.flat().map((v) => v.value).filter(Number.isFinite)
    const top = Math.max(1, ...finite, ...marks.filter((m): m is number => m !== undefined)) * 1.15
    const y = (v: number): number => panel.bottom - (v / top) * (panel.bottom - panel.top)
    out.push(`<text x="${left + panel.width / 2}" y="45" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`)
    out.push(`<line x1="${left}" y1="${panel.bottom}" x2="${left + panel.width}" y2="${panel.bottom}" stroke="#000"/>`)
    out.push(`<line x1="${left}" y1="${panel.top}" x2="${left}" y2="${panel.bottom}" stroke="#000"/>`)
    for (let i = 0; i <= 4; i++) {
      const v = (top / 1.15) * i / 4
      out.push(`<line x1="${left - 4}" y1="${y(v)}" x2="${left + panel.width}" y2="${y(v)}" stroke="#ddd"/>`)
      out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${n(v, v < 10 ? 1 : 0)}${unit}</text>`)
    }
    const group = panel.width / values.length
    values.forEach((bars, i) => {
      const barWidth = Math.min(34, (group - 16) / bars.length)
      const start = left + i * group + (group - barWidth * bars.length) / 2
      bars.forEach((bar, j) => {
        const x = start + j * barWidth
        if (Number.isFinite(bar.value)) {
          out.push(`<rect x="${x}" y="${y(bar.value)}" width="${barWidth - 2}" height="${panel.bottom - y(bar.value)}" fill="${bar.color}"/>`)
          out.push(`<text x="${x + barWidth / 2 - 1}" y="${y(bar.value) - 3}" text-anchor="middle" font-size="10">${n(bar.value, bar.value < 10 ? 1 : 0)}</text>`)
        } else {
          out.push(`<text x="${x + barWidth / 2}" y="${panel.bottom - 4}" text-anchor="middle" font-size="10">n/a</text>`)
        }
      })
      const mark = marks[i]
      if (mark !== undefined) {
        out.push(`<line x1="${start - 4}" y1="${y(mark)}" x2="${start + barWidth * bars.length + 2}" y2="${y(mark)}" stroke="${colors.tmin}" stroke-dasharray="4 2" stroke-width="2"/>`)
      }
      out.push(`<text x="${left + i * group + group / 2}" y="${panel.bottom + 16}" text-anchor="middle" font-size="11">${escapeXml(phases[i]![0])}</text>`)
      out.push(`<text x="${left + i * group + group / 2}" y="${panel.bottom + 30}" text-anchor="middle" font-size="10" fill="#555">K=${phases[i]![1].fetchers.seeders + phases[i]![1].fetchers.plain}</text>`)
    })
  }
  drawPanel(panel.left[0]!, 'origin egress / F (lower is better)', phases.map(([, p]) => [{ value: p.egressOverF, color: colors.egress, label: 'egress' }]), phases.map(() => undefined), 'x')
  drawPanel(panel.left[1]!, 'time until every fetcher verified (s)', phases.map(([, p]) => [
    { value: p.all.p50, color: colors.p50, label: 'p50' },
    { value: p.all.max ?? NaN, color: colors.max, label: 'max' }
  ]), phases.map(([, p]) => p.tMin), '')
  const legend = [[colors.p50, 'p50'], [colors.max, 'max'], [colors.tmin, 'T_min (dashed)']] as const
  legend.forEach(([color, label], i) => {
    const x = 520 + i * 110
    out.push(`<rect x="${x}" y="${height - 22}" width="12" height="12" fill="${color}"/>`)
    out.push(`<text x="${x + 16}" y="${height - 12}">${label}</text>`)
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
