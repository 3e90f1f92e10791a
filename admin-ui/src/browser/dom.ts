// Elements made with the DOM API only: no innerHTML, no style attributes (the CSP allows neither).

type Child = Node | string | number | null | undefined | false
export interface Attributes {
  class?: string
  [name: string]: string | number | boolean | undefined | ((event: Event) => void)
}

/** `h('td', { class: 'num' }, '12 kB')`; `on<event>` keys add listeners, `false`/`undefined` attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  append(element, ...children)
  return element
}

export function append (parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** Replaces every child of `parent`. */
export function fill (parent: Node, ...children: Child[]): void {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild)
  append(parent, ...children)
}

/** The label and value pairs of a `dl`, each pair in a `div` so that a grid lays them out together. */
export function figures (pairs: Array<[string, string]>): HTMLElement[] {
  return pairs.map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value)))
}
