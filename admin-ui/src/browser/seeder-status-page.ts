// The seeder's one page: the origins it follows, items held, bytes per origin, from GET /api/status.

import type { ConsolePage } from './console-shell.ts'
import { figures, fill, h } from './dom.ts'
import { ago, bytes } from './format.ts'
import { poll } from './poll.ts'
import { table } from './table.ts'

interface SeederStatus {
  origins: Array<{ origin: string, how: string, registration: string, trust: { status: string, mirror?: { trusted?: boolean } } | null, caughtUp: boolean, itemsHeld: number, bytesIn: number, bytesOut: number, lastEventAt: string | null, lastError: string | null }>
  discovery: { listUrl: string, lastReadAt: string | null, originsFound: number, lastError?: string | null } | null
  items: { stored: number, storedBytes: number, fetching: number }
}

const REFRESH_MS = 10_000

export const seederStatusPage: ConsolePage = {
  id: 'status',
  title: 'Origins',
  show (main, { api, report }) {
    const summary = h('dl', { class: 'figures' })
    const list = h('div', { id: 'origins-list' })
    const discovery = h('p', { class: 'hint' })
    fill(main, h('div', { class: 'toolbar' }, h('h2', {}, 'Origins followed')), summary, list, discovery)
    return poll(async () => {
      const status = await api.get<SeederStatus>('/api/status')
      fill(summary, ...figures([
        ['Items held', String(status.items.stored)],
        ['On disk', bytes(status.items.storedBytes)],
        ['Fetching', String(status.items.fetching)],
        ['Origins', String(status.origins.length)]
      ]))
      fill(list, table([
        { title: 'Origin', cell: (o) => o.origin },
        { title: 'Found', cell: (o) => o.how },
        { title: 'Registration', cell: (o) => h('span', { class: `tag ${o.registration}`, title: o.lastError ?? '' }, o.registration) },
        { title: 'Status there', cell: (o) => o.trust === null ? '–' : `${o.trust.status}${o.trust.mirror?.trusted === true ? ', trusted' : ''}` },
        { title: 'Deletions', cell: (o) => o.caughtUp ? 'caught up' : 'catching up' },
        { title: 'Items', cell: (o) => o.itemsHeld, class: 'num' },
        { title: 'Received', cell: (o) => bytes(o.bytesIn), class: 'num' },
        { title: 'Sent', cell: (o) => bytes(o.bytesOut), class: 'num' },
        { title: 'Last event', cell: (o) => ago(o.lastEventAt) }
      ], status.origins, { empty: 'No origin followed yet.', label: 'origins followed' }))
      discovery.textContent = status.discovery === null
        ? 'Discovery is off (FEDSWARM_DISCOVER_FROM unset). Bytes count since this start.'
        : `Discovery from ${status.discovery.listUrl}: last read ${ago(status.discovery.lastReadAt)}, ${status.discovery.originsFound} origins found. Bytes count since this start.`
    }, REFRESH_MS, report)
  }
}
