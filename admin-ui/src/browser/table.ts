// A table that scrolls sideways on a narrow screen rather than squeezing its columns.

import { h } from './dom.ts'

type Cell = Node | string | number | null
export interface Column<T> {
  title: string
  cell (row: T): Cell
  /** `num`: right-aligned figures. */
  class?: string
}

export function table<T> (columns: Array<Column<T>>, rows: T[], options: { empty: string, rowClass?: (row: T) => string | undefined, label: string }): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, options.empty)
  return h('div', { class: 'scroll', role: 'region', 'aria-label': options.label, tabindex: 0 },
    h('table', {},
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', class: c.class }, c.title)))),
      h('tbody', {}, ...rows.map((row) => h('tr', { class: options.rowClass?.(row) }, ...columns.map((c) => h('td', { class: c.class, 'data-label': c.title }, c.cell(row))))))))
}
