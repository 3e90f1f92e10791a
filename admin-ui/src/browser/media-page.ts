// Media: every item, newest first, searched by id, key or type, page by page; delete and restore.

import type { Api } from './api.ts'
import type { ConsolePage } from './console-shell.ts'
import { fill, h } from './dom.ts'
import { ago, bytes, dateTime, recentRequests } from './format.ts'
import { poll } from './poll.ts'
import { askReason } from './reason-dialog.ts'
import { table } from './table.ts'

/** One item of GET /api/media. */
interface MediaEntry {
  id: string
  mediaType: string
  size: number
  createdAt: string
  hotAt: string | null
  deletedAt: string | null
  deleteReason: string | null
  /** Deleted and its bytes still refused: what a restore lifts. */
  tombstoned: boolean
  keys: string[]
  requests: number
  holders: number
  mirrors: number
  peers: { complete: number, incomplete: number }
}
interface MediaList { items: MediaEntry[], next: string | null }

const PAGE = 25
const REFRESH_MS = 15_000

export const mediaPage: ConsolePage = {
  id: 'media',
  title: 'Media',
  show (main, { api, report }) {
    /** Cursors of the pages before this one (`before` of each), for going back. */
    const cursors: Array<string | undefined> = [undefined]
    const q = h('input', { id: 'q', name: 'q', type: 'search', placeholder: 'id, key or type', autocomplete: 'off', maxlength: 200 })
    const state = h('select', { id: 'state', name: 'state' }, ...['all', 'live', 'hot', 'deleted'].map((s) => h('option', { value: s }, s)))
    const list = h('div', { id: 'media-list' })
    const newer = h('button', { type: 'button', class: 'quiet', onclick: () => { cursors.pop(); void load() } }, 'Newer')
    const older = h('button', { type: 'button', class: 'quiet' }, 'Older')
    const search = h('form', { class: 'search', role: 'search' },
      h('label', { for: 'q' }, 'Search'), q, h('label', { for: 'state' }, 'State'), state, h('button', { type: 'submit' }, 'Search'))
    search.addEventListener('submit', (event) => {
      event.preventDefault()
      cursors.length = 1
      void load()
    })
    fill(main, h('div', { class: 'toolbar' }, h('h2', {}, 'Media')), search, list, h('div', { class: 'pager' }, newer, older))

    let next: string | null = null
    older.addEventListener('click', () => {
      if (next === null) return
      cursors.push(next)
      void load()
    })

    async function refresh (): Promise<void> {
      const page = await api.get<MediaList>('/api/media', { limit: PAGE, q: q.value.trim(), state: state.value, before: cursors.at(-1) })
      next = page.next
      newer.disabled = cursors.length === 1
      older.disabled = next === null
      fill(list, table([
        { title: 'Item', cell: (m) => h('span', {}, h('a', { href: `/api/media/${m.id}`, class: 'mono' }, m.id), ...m.keys.map((k) => h('span', { class: 'key' }, k))) },
        { title: 'Type', cell: (m) => m.mediaType },
        { title: 'Size', cell: (m) => bytes(m.size), class: 'num' },
        { title: 'Published', cell: (m) => h('time', { datetime: m.createdAt, title: dateTime(m.createdAt) }, ago(m.createdAt)) },
        { title: 'State', cell: (m) => m.deletedAt !== null ? h('span', { class: 'tag deleted', title: m.deleteReason ?? '' }, 'deleted') : m.hotAt !== null ? h('span', { class: 'tag hot' }, 'hot') : 'live' },
        { title: 'Recent requests', cell: (m) => recentRequests(m.requests), class: 'num' },
        { title: 'Holders', cell: (m) => m.holders, class: 'num' },
        { title: 'Mirrors', cell: (m) => m.mirrors, class: 'num' },
        { title: 'Swarm peers', cell: (m) => `${m.peers.complete + m.peers.incomplete}`, class: 'num' },
        { title: '', cell: (m) => actions(api, m, () => { void load() }) }
      ], page.items, { empty: 'No media matches.', label: 'media items', rowClass: (m) => m.deletedAt !== null ? 'is-deleted' : undefined }))
    }
    let stop = (): void => {}
    const load = async (): Promise<void> => {
      stop()
      stop = poll(refresh, REFRESH_MS, report)
    }
    void load()
    return () => stop()
  }
}

function actions (api: Api, item: MediaEntry, done: () => void): HTMLElement {
  if (item.deletedAt === null) {
    return h('button', {
      type: 'button',
      class: 'danger small',
      'data-delete': item.id,
      onclick: () => askReason({
        title: `Delete ${item.id}`,
        confirm: 'Delete',
        run: async (reason) => { await api.send('DELETE', `/api/media/${item.id}`, { reason }); done() }
      })
    }, 'Delete')
  }
  if (!item.tombstoned) return h('span', { class: 'hint', title: 'Its bytes may be published again' }, 'restored')
  // Restore lifts the tombstone only: the same bytes may be published again, as a new item (docs/deletion.md, "Mistakes").
  return h('button', {
    type: 'button',
    class: 'quiet small',
    'data-restore': item.id,
    title: 'Lets the same bytes be published again, as a new item; this one stays deleted',
    onclick: () => askReason({
      title: `Allow the bytes of ${item.id} again`,
      confirm: 'Restore',
      run: async (reason) => { await api.send('POST', `/api/media/${item.id}/restore`, { reason }); done() }
    })
  }, 'Restore')
}
