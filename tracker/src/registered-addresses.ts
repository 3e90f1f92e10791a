// The IP addresses registered seeders (and the origin itself) announce from,
// for peerPolicy `instances-only`: a peer is "registered" when the address
// its announce came from is one that a registered host name resolves to.
// The source address of a TCP connection cannot be forged the way a peer id
// or a port in the query can, so a client cannot pass itself off as a seeder
// to be handed out to other clients.
//
// Limits: several peers behind one address (a NAT, a reverse proxy without
// FEDSWARM_TRUST_PROXY, loopback in tests) are all registered if one is.

import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Logger } from 'pino'

export interface RegisteredAddressesOptions {
  /** URLs (or bare host names) of every registered seeder and of the origin itself. */
  hosts (): Promise<string[]>
  log: Logger
  /** Full refresh period, default 30 s. */
  refreshMs?: number
  /** An unknown address triggers a refresh at most this often (ms), default 2 s: a new seeder is handed out within seconds of registering. */
  missRefreshMs?: number
  lookup? (host: string): Promise<string[]>
}

export interface RegisteredAddresses {
  has (ip: string): boolean
  /** Resolves every host again; concurrent calls share one run. */
  refresh (): Promise<void>
  stop (): void
}

const DEFAULT_REFRESH_MS = 30_000
const DEFAULT_MISS_REFRESH_MS = 2_000

async function lookupAll (host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host]
  return (await dnsLookup(host, { all: true })).map((entry) => entry.address)
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are the same peer; IPv6 in brackets or not. */
export function normalizeIp (ip: string): string {
  const bare = ip.replace(/^\[|\]$/g, '').toLowerCase()
  return bare.startsWith('::ffff:') && isIP(bare.slice(7)) === 4 ? bare.slice(7) : bare
}

function hostOf (entry: string): string {
  try {
    return new URL(entry).hostname
  } catch {
    return entry
  }
}

export function startRegisteredAddresses (options: RegisteredAddressesOptions): RegisteredAddresses {
  const lookup = options.lookup ?? lookupAll
  let addresses = new Set<string>()
  let running: Promise<void> | null = null
  let lastRun = 0
  let stopped = false

  const refresh = (): Promise<void> => {
    running ??= (async () => {
      lastRun = Date.now()
      const next = new Set<string>()
      const hosts = [...new Set((await options.hosts()).map(hostOf))]
      await Promise.all(hosts.map(async (host) => {
        try {
          for (const ip of await lookup(host)) next.add(normalizeIp(ip))
        } catch (err) {
          options.log.warn({ host, err: (err as Error).message }, 'tracker: cannot resolve a registered host; its peers are not handed out')
        }
      }))
      if (!stopped) addresses = next
    })().catch((err: unknown) => {
      options.log.warn({ err }, 'tracker: could not list registered hosts')
    }).finally(() => { running = null })
    return running
  }

  const timer = setInterval(() => { void refresh() }, options.refreshMs ?? DEFAULT_REFRESH_MS)
  timer.unref()
  void refresh()

  return {
    has (ip) {
      if (addresses.has(normalizeIp(ip))) return true
      if (!stopped && Date.now() - lastRun >= (options.missRefreshMs ?? DEFAULT_MISS_REFRESH_MS)) void refresh()
      return false
    },
    refresh,
    stop () {
      stopped = true
      clearInterval(timer)
    }
  }
}
