// Seeders: who registered, their status and trust as mirrors, last check, capacity, holdings, last seen.

import type { Api } from './api.ts'
import type { ConsolePage } from './console-shell.ts'
import { fill, h } from './dom.ts'
import { ago, bytes } from './format.ts'
import { poll } from './poll.ts'
import { askReason } from './reason-dialog.ts'
import { table } from './table.ts'

/** One seeder of GET /api/instances. */
interface Seeder {
  domain: string
  publicUrl: string
  status: string
  registeredAt: string
  lastSeenAt: string
  holdings: number
  pendingAcks: number
  lastAckSeq: number | null
  mirror: { capacity: number | null, verifiedItems: number, trusted: boolean, lastCheckAt: string | null, lastCheck: 'passed' | 'failed' | null, lastError: string | null }
}

const REFRESH_MS = 10_000

export const seedersPage: ConsolePage = {
  id: 'seeders',
  title: 'Seeders',
  show (main, { api, report }) {
    const list = h('div', { id: 'seeders-list' })
    fill(main, h('div', { class: 'toolbar' }, h('h2', {}, 'Seeders')), list)
    const refresh = async (): Promise<void> => {
      const { instances } = await api.get<{ instances: Seeder[] }>('/api/instances')
      fill(list, table([
        { title: 'Seeder', cell: (s) => h('a', { href: s.publicUrl, rel: 'noreferrer' }, s.domain) },
        { title: 'Status', cell: (s) => h('span', { class: `tag ${s.status}` }, s.status) },
        { title: 'Trust', cell: (s) => s.mirror.trusted ? h('span', { class: 'tag trusted' }, 'trusted') : 'not yet' },
        { title: 'Last check', cell: (s) => s.mirror.lastCheckAt === null ? 'none' : h('span', { title: s.mirror.lastError ?? '' }, `${s.mirror.lastCheck ?? ''} ${ago(s.mirror.lastCheckAt)}`) },
        { title: 'Capacity', cell: (s) => s.mirror.capacity === null ? 'not said' : `${bytes(s.mirror.capacity)}/s`, class: 'num' },
        { title: 'Holdings', cell: (s) => s.holdings, class: 'num' },
        { title: 'Verified', cell: (s) => s.mirror.verifiedItems, class: 'num' },
        { title: 'Acks pending', cell: (s) => s.pendingAcks, class: 'num' },
        { title: 'Last seen', cell: (s) => ago(s.lastSeenAt) },
        { title: '', cell: (s) => decision(api, s, () => { refresh().catch(report) }) }
      ], instances, { empty: 'No seeder has registered yet.', label: 'seeders', rowClass: (s) => s.status === 'refused' ? 'is-deleted' : undefined }))
    }
    return poll(refresh, REFRESH_MS, report)
  }
}

/** Refuse (no mirror, no registration) or re-admit: the reason goes to the origin's log. */
function decision (api: Api, seeder: Seeder, done: () => void): HTMLElement {
  const refused = seeder.status === 'refused'
  const path = `/api/instances/${encodeURIComponent(seeder.domain)}/${refused ? 'readmit' : 'refuse'}`
  return h('button', {
    type: 'button',
    class: refused ? 'quiet small' : 'danger small',
    [refused ? 'data-readmit' : 'data-refuse']: seeder.domain,
    onclick: () => askReason({
      title: refused ? `Re-admit ${seeder.domain}` : `Refuse ${seeder.domain}`,
      confirm: refused ? 'Re-admit' : 'Refuse',
      run: async (reason) => { await api.send('POST', path, { reason }); done() }
    })
  }, refused ? 'Re-admit' : 'Refuse')
}
