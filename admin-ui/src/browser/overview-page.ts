// Overview: what the origin sent against what the swarm and the mirrors delivered, requests, hot items; live.

import { chart } from './chart.ts'
import type { ConsolePage } from './console-shell.ts'
import { figures as pairs, fill, h } from './dom.ts'
import { bytes, percent, recentRequests } from './format.ts'
import { poll } from './poll.ts'
import { table } from './table.ts'
import { dense, savings, total, type TrafficAnswer } from './traffic.ts'

interface Popular { items: Array<{ manifest: { id: string, mediaType: string, size: number }, requests: number, hot: boolean }> }

const RANGES = [{ id: 'hour', label: 'Hour' }, { id: 'day', label: 'Day' }, { id: 'week', label: 'Week' }]
const REFRESH_MS = 10_000

export const overviewPage: ConsolePage = {
  id: 'overview',
  title: 'Overview',
  show (main, { api, report }) {
    let range = 'hour'
    const rangeButtons = RANGES.map((r) => h('button', { type: 'button', class: 'toggle', 'aria-pressed': String(r.id === range), onclick: () => { range = r.id; mark(); void refresh().catch(report) } }, r.label))
    const mark = (): void => rangeButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(RANGES[i]!.id === range)))
    const ratio = h('p', { class: 'ratio', id: 'savings' }, '–')
    const figures = h('dl', { class: 'figures' })
    const bytesChart = chart('Bytes per minute', [
      { label: 'origin', stroke: '#c2410c', fill: 'rgba(194,65,12,0.12)' },
      { label: 'swarm', stroke: '#15803d', fill: 'rgba(21,128,61,0.12)' },
      { label: 'mirrors', stroke: '#1d4ed8', fill: 'rgba(29,78,216,0.12)' }
    ], bytes)
    const requestsChart = chart('Media requests per minute', [
      { label: 'requests', stroke: '#6d28d9' },
      { label: 'redirected to mirrors', stroke: '#1d4ed8' }
    ], (n) => String(Math.round(n)))
    const hot = h('section', { class: 'hot' })
    fill(main,
      h('div', { class: 'toolbar' }, h('h2', {}, 'Overview'), h('div', { role: 'group', 'aria-label': 'time range' }, ...rangeButtons)),
      h('section', { class: 'savings' }, h('p', { class: 'label' }, 'Bytes that did not leave the origin'), ratio, figures),
      bytesChart.element, requestsChart.element, hot)

    async function refresh (): Promise<void> {
      const [traffic, popular] = await Promise.all([api.get<TrafficAnswer>('/api/traffic', { range }), api.get<Popular>('/api/popular', { limit: 10 })])
      const s = traffic.series
      ratio.textContent = percent(savings(s))
      fill(figures, ...pairs([
        ['Origin sent', bytes(total(s, 'originHttp') + total(s, 'originPeer'))],
        ['Swarm delivered', bytes(total(s, 'swarm'))],
        ['Mirrors delivered', bytes(total(s, 'mirrors'))],
        ['Media requests', String(total(s, 'requests'))]
      ]))
      const [at = [], originHttp = [], originPeer = [], swarm = [], mirrors = [], requests = [], redirects = []] = dense(traffic, ['originHttp', 'originPeer', 'swarm', 'mirrors', 'requests', 'redirects'])
      bytesChart.setData([at, originHttp.map((n, i) => n + originPeer[i]!), swarm, mirrors])
      requestsChart.setData([at, requests, redirects])
      fill(hot, h('h3', {}, 'Hot and requested items'), table([
        { title: 'Item', cell: (i) => h('a', { href: `/api/media/${i.manifest.id}`, class: 'mono' }, i.manifest.id) },
        { title: 'Type', cell: (i) => i.manifest.mediaType },
        { title: 'Size', cell: (i) => bytes(i.manifest.size), class: 'num' },
        { title: 'Recent requests', cell: (i) => recentRequests(i.requests), class: 'num' },
        { title: 'Hot', cell: (i) => i.hot ? 'hot' : '' }
      ], popular.items, { empty: 'No item requested lately.', label: 'hot items' }))
    }
    const stop = poll(refresh, REFRESH_MS, report)
    return () => {
      stop()
      bytesChart.destroy()
      requestsChart.destroy()
    }
  }
}
