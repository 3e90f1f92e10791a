// Deletions: each signed notice, newest first, with the seeders that acked it and those still pending.

import type { ConsolePage } from './console-shell.ts'
import { fill, h } from './dom.ts'
import { ago, dateTime } from './format.ts'
import { poll } from './poll.ts'
import { table } from './table.ts'

/** One entry of GET /api/deletions/acks. */
interface DeletionEntry {
  notice: { seq: number, id: string, reason: string, deletedAt: string }
  acks: Array<{ domain: string, ackedAt: string }>
  pending: string[]
  /** The pending seeders are past FEDSWARM_ACK_TIMEOUT for this notice: stale. */
  overdue: boolean
}

const REFRESH_MS = 5_000

export const deletionsPage: ConsolePage = {
  id: 'deletions',
  title: 'Deletions',
  show (main, { api, report }) {
    const list = h('div', { id: 'deletions-list' })
    fill(main, h('div', { class: 'toolbar' }, h('h2', {}, 'Deletions')), list)
    return poll(async () => {
      const { deletions } = await api.get<{ deletions: DeletionEntry[] }>('/api/deletions/acks', { limit: 50 })
      fill(list, table([
        { title: 'Seq', cell: (d) => d.notice.seq, class: 'num' },
        { title: 'Item', cell: (d) => h('span', { class: 'mono' }, d.notice.id) },
        { title: 'Deleted', cell: (d) => h('time', { datetime: d.notice.deletedAt, title: dateTime(d.notice.deletedAt) }, ago(d.notice.deletedAt)) },
        { title: 'Reason', cell: (d) => d.notice.reason },
        { title: 'Acked by', cell: (d) => d.acks.length === 0 ? 'none yet' : h('ul', { class: 'plain' }, ...d.acks.map((a) => h('li', { class: 'ack', title: dateTime(a.ackedAt) }, a.domain))) },
        { title: 'Pending', cell: (d) => d.pending.length === 0 ? (d.acks.length === 0 ? 'no seeder to tell' : 'all acked') : h('ul', { class: 'plain' }, ...d.pending.map((p) => h('li', { class: d.overdue ? 'tag stale' : 'tag' }, d.overdue ? `${p} (stale)` : p))) }
      ], deletions, { empty: 'Nothing was deleted.', label: 'deletions' }))
    }, REFRESH_MS, report)
  }
}
