// The storm's network made real (needs root): one Linux bridge, one network
// namespace per host joined to it by a veth pair, each host's upload capped by
// a tc token bucket on its own end of the pair, and the bytes each host sent
// read from the kernel's counters. Everything a run makes is named with its
// prefix (bench/netns-plan.ts) and removed by the cleanup registry, also on
// failure or a signal; what a dead earlier run left is removed first.

import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { alive, defer, log } from './processes.ts'
import {
  BLOCK_PREFIX_LENGTH, bridgeAddress, bridgeName, freeBlock, hostAddress, hostName, linkCounters, NAME_PREFIX, ownerPid, runPrefix, uploadCapArgs, type HostRole
} from './netns-plan.ts'

const run = promisify(execFile)

async function ip (...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 15_000 })).stdout
}

/** The link inside every namespace; its peer on the bridge carries the host's name. */
const INNER_LINK = 'eth0'

export interface NetHost {
  role: HostRole
  index: number
  /** The namespace, and the bridge-side end of its veth pair. */
  name: string
  address: string
}

export interface Network {
  block: number
  /** The harness's own address, on the bridge. */
  address: string
  origin: NetHost
  seeders: NetHost[]
  fetchers: NetHost[]
  /** argv prefix that runs a command inside `host`'s namespace. */
  command (host: NetHost): string[]
  /** Caps what `host` sends (its upload) with a token bucket on its end of the pair. */
  setUploadCap (host: NetHost, bytesPerSecond: number): Promise<void>
  /**
   * Every host's byte counters now, in one read of /proc/net/dev (from here,
   * without entering a namespace): `sent` is what a host has sent, Ethernet
   * headers included, its bridge-side end's rx_bytes, which the veth driver
   * reports as exactly its peer's tx_bytes; `received` what was delivered to
   * it (that end's tx_bytes).
   */
  counters (): Promise<LinkSnapshot>
  remove (): Promise<void>
}

export interface LinkSnapshot {
  sent (host: NetHost): number
  received (host: NetHost): number
}

/** Why the namespaced storm cannot run here, or undefined when it can (root, `ip netns` and a tbf qdisc all work). */
export async function netnsUnavailable (): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root'
  const probe = `${runPrefix(process.pid)}probe`
  try {
    await ip('netns', 'add', probe)
    await run('tc', ['-n', probe, 'qdisc', 'add', 'dev', 'lo', ...uploadCapArgs(1_000_000)], { timeout: 15_000 })
    return undefined
  } catch (err) {
    return `ip netns or tc failed: ${(err as Error).message.split('\n')[0]}`
  } finally {
    await ip('netns', 'del', probe).catch(() => {})
  }
}

async function namespaces (): Promise<string[]> {
  return (await ip('netns', 'list')).split('\n').map((line) => line.split(' ')[0]!).filter(Boolean)
}

async function links (): Promise<string[]> {
  // "7: fsb-x-s0@if2: <...>": the name is between the index and '@' or ':'.
  return (await ip('-o', 'link', 'show')).split('\n').map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1]).filter((name): name is string => name !== undefined)
}

/** Kills whatever still runs in namespace `name`, then deletes it (its veth pair goes with it). */
async function removeNamespace (name: string): Promise<void> {
  const pids = (await ip('netns', 'pids', name).catch(() => '')).split('\n').map(Number).filter((pid) => pid > 0)
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL') } catch { /* gone already */ }
  }
  await ip('netns', 'del', name)
}

/** Removes the namespaces and links of earlier runs whose process is gone (never a live run's). */
export async function removeLeftovers (): Promise<void> {
  const dead = (name: string): boolean => {
    const pid = ownerPid(name)
    return pid !== undefined && pid !== process.pid && !alive(pid)
  }
  const staleNamespaces = (await namespaces()).filter(dead)
  for (const name of staleNamespaces) await removeNamespace(name).catch(() => {})
  const staleLinks = (await links()).filter((name) => name.startsWith(NAME_PREFIX) && dead(name))
  for (const name of staleLinks) await ip('link', 'del', name).catch(() => {})
  if (staleNamespaces.length + staleLinks.length > 0) log(`netns: removed ${staleNamespaces.length} namespaces and ${staleLinks.length} links left by dead earlier runs`)
}

/** Runs `fn` over `items`, `parallel` at a time. */
async function eachLimited<T> (items: T[], parallel: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

/** Builds the bridge and one namespace per host: the origin, `seeders` seeders and `fetcherGroups` plain fetcher groups. */
export async function createNetwork (counts: { seeders: number, fetcherGroups: number }): Promise<Network> {
  const prefix = runPrefix(process.pid)
  const used = (await ip('-o', '-4', 'addr', 'show')).split('\n').map((line) => /inet (\d+\.\d+\.\d+\.\d+)/.exec(line)?.[1]).filter((a): a is string => a !== undefined)
  const block = freeBlock(used)
  if (block === undefined) throw new Error('every /20 block of 198.18.0.0/15 is in use on this machine')
  const host = (role: HostRole, index: number): NetHost => ({ role, index, name: hostName(prefix, role, index), address: hostAddress(block, role, index) })
  const origin = host('origin', 0)
  const seeders = Array.from({ length: counts.seeders }, (_, i) => host('seeder', i))
  const fetchers = Array.from({ length: counts.fetcherGroups }, (_, i) => host('fetchers', i))
  const all = [origin, ...seeders, ...fetchers]
  const bridge = bridgeName(prefix)
  const made: string[] = []
  let bridgeMade = false

  const remove = defer(async () => {
    await eachLimited([...made], 8, async (name) => removeNamespace(name).catch((err: Error) => log(`netns: could not remove ${name}: ${err.message}`)))
    if (bridgeMade) await ip('link', 'del', bridge)
  })
  await ip('link', 'add', bridge, 'type', 'bridge')
  bridgeMade = true
  await ip('addr', 'add', `${bridgeAddress(block)}/${BLOCK_PREFIX_LENGTH}`, 'dev', bridge)
  await ip('link', 'set', bridge, 'up')
  await eachLimited(all, 4, async (h) => {
    await ip('netns', 'add', h.name)
    made.push(h.name)
    await ip('link', 'add', h.name, 'type', 'veth', 'peer', 'name', INNER_LINK, 'netns', h.name)
    await ip('link', 'set', h.name, 'master', bridge, 'up')
    await ip('-n', h.name, 'link', 'set', 'lo', 'up')
    await ip('-n', h.name, 'addr', 'add', `${h.address}/${BLOCK_PREFIX_LENGTH}`, 'dev', INNER_LINK)
    await ip('-n', h.name, 'link', 'set', INNER_LINK, 'up')
  })
  log(`netns: bridge ${bridge} at ${bridgeAddress(block)}/${BLOCK_PREFIX_LENGTH}, ${all.length} namespaces (origin ${origin.address}, ${seeders.length} seeders, ${fetchers.length} fetcher groups)`)

  return {
    block,
    address: bridgeAddress(block),
    origin,
    seeders,
    fetchers,
    command: (h) => ['ip', 'netns', 'exec', h.name],
    async setUploadCap (h, bytesPerSecond) {
      await run('tc', ['-n', h.name, 'qdisc', 'replace', 'dev', INNER_LINK, ...uploadCapArgs(bytesPerSecond)], { timeout: 15_000 })
    },
    async counters () {
      const links = linkCounters(await readFile('/proc/net/dev', 'utf8'))
      const of = (h: NetHost): { rx: number, tx: number } => {
        const link = links.get(h.name)
        if (link === undefined) throw new Error(`netns: no link ${h.name} in /proc/net/dev`)
        return link
      }
      return { sent: (h) => of(h).rx, received: (h) => of(h).tx }
    },
    remove
  }
}
