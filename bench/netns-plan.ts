// The storm's network on paper (pure): which names a run gives its namespaces
// and links, which addresses of the benchmarking range 198.18.0.0/15
// (RFC 2544) each host gets, and the tc token bucket that caps a host's upload.
// bench/netns.ts makes it real.

/** Every name a run makes starts with this; its owner's pid (base 36) lets a later run remove what a dead one left. */
export const NAME_PREFIX = 'fsb-'
/** Linux interface names are at most 15 bytes (IFNAMSIZ - 1). */
const MAX_IFNAME = 15
/** 198.18.0.0/15 cut into /20 blocks: 32 runs side by side never share an address. */
export const BLOCKS = 32
export const BLOCK_PREFIX_LENGTH = 20
/** Hosts of one role per block: one /24 each (.1 to .250). */
export const MAX_HOSTS_PER_ROLE = 250

export type HostRole = 'origin' | 'seeder' | 'fetchers'

/** Third-octet offset of each role's /24 inside its block; the bridge (the harness) is .254 of the origin's. */
const ROLE_OFFSET: Record<HostRole, number> = { origin: 0, seeder: 1, fetchers: 2 }
const ROLE_LETTER: Record<HostRole, string> = { origin: 'o', seeder: 's', fetchers: 'f' }

export function runPrefix (pid: number): string {
  return `${NAME_PREFIX}${pid.toString(36)}-`
}

/** The pid that made `name`, or undefined when the name is not one of ours. */
export function ownerPid (name: string): number | undefined {
  const match = /^fsb-([0-9a-z]{1,6})-/.exec(name)
  return match === null ? undefined : Number.parseInt(match[1]!, 36)
}

function blockBase (block: number): [number, number] {
  if (!Number.isInteger(block) || block < 0 || block >= BLOCKS) throw new Error(`block ${block} is not 0 to ${BLOCKS - 1}`)
  return [18 + (block >> 4), (block & 15) * 16]
}

/** The address of host `index` of `role` in `block`: 198.18.0.1 is block 0's origin, 198.18.1.x its seeders, 198.18.2.x its fetcher groups. */
export function hostAddress (block: number, role: HostRole, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_HOSTS_PER_ROLE) throw new Error(`host ${index} of ${role}: at most ${MAX_HOSTS_PER_ROLE} per role`)
  if (role === 'origin' && index > 0) throw new Error('one origin host per block')
  const [second, third] = blockBase(block)
  return `198.${second}.${third + ROLE_OFFSET[role]}.${index + 1}`
}

/** The bridge's own address: the harness talks to every host from it. */
export function bridgeAddress (block: number): string {
  const [second, third] = blockBase(block)
  return `198.${second}.${third}.254`
}

/** The first block none of `used` (addresses already on this machine's interfaces) falls in, or undefined when all are taken. */
export function freeBlock (used: string[]): number | undefined {
  const taken = new Set<number>()
  for (const address of used) {
    const octets = address.split('.').map(Number)
    if (octets.length !== 4 || octets[0] !== 198 || (octets[1] !== 18 && octets[1] !== 19)) continue
    taken.add((octets[1]! - 18) * 16 + (octets[2]! >> 4))
  }
  for (let block = 0; block < BLOCKS; block++) if (!taken.has(block)) return block
  return undefined
}

/** The namespace (and the bridge-side link) of host `index` of `role`. */
export function hostName (prefix: string, role: HostRole, index: number): string {
  return checkedName(`${prefix}${ROLE_LETTER[role]}${role === 'origin' ? '' : index}`)
}

export function bridgeName (prefix: string): string {
  return checkedName(`${prefix}br`)
}

function checkedName (name: string): string {
  if (name.length > MAX_IFNAME) throw new Error(`link name ${name} is longer than ${MAX_IFNAME} bytes`)
  return name
}

/** Token bucket depth: 32 KiB, or the bytes of one 4 ms tick at the rate if more (Linux needs at least rate / HZ). */
const MIN_BURST = 32 * 1024
/** Queue before the bucket drops: a home router's worth, so TCP sees loss rather than seconds of queue. */
const QUEUE_LATENCY_MS = 100

/** `tc qdisc replace` arguments (after `dev X`) capping egress to `bytesPerSecond` with a token bucket filter. */
export function uploadCapArgs (bytesPerSecond: number): string[] {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) throw new Error(`upload cap ${bytesPerSecond} B/s is not a positive rate`)
  const burst = Math.max(MIN_BURST, Math.ceil(bytesPerSecond / 250))
  return ['root', 'tbf', 'rate', `${Math.round(bytesPerSecond * 8)}bit`, 'burst', String(burst), 'latency', `${QUEUE_LATENCY_MS}ms`]
}

/** Mbit/s (10^6 bit/s, as links are sold) in bytes/s. */
export function mbit (megabits: number): number {
  return megabits * 1_000_000 / 8
}

/** Each link's received and sent bytes in /proc/net/dev's text (`name: rx_bytes rx_packets ... tx_bytes ...`). */
export function linkCounters (procNetDev: string): Map<string, { rx: number, tx: number }> {
  const links = new Map<string, { rx: number, tx: number }>()
  for (const line of procNetDev.split('\n')) {
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line)
    if (match === null) continue
    const fields = match[2]!.trim().split(/\s+/).map(Number)
    if (fields.length < 9 || fields.some((n) => !Number.isFinite(n))) continue
    links.set(match[1]!, { rx: fields[0]!, tx: fields[8]! })
  }
  return links
}
