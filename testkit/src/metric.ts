/** Sums the samples of a Prometheus metric (text format) whose labels include every given one. */
export function metric (text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0
  for (const match of text.matchAll(/^([a-z_]+)(\{[^}]*\})? (\S+)$/gm)) {
    if (match[1] !== name) continue
    if (Object.entries(labels).every(([key, value]) => (match[2] ?? '').includes(`${key}="${value}"`))) total += Number(match[3])
  }
  return total
}
