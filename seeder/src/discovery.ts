import type { Logger } from 'pino'
import { originDocumentSchema } from '@fedswarm/protocol'
import { abortableSleep } from '@fedswarm/runtime'
import type { Db } from '@fedswarm/storage'
import { createSafeFetch, type SafeFetch } from '@fedswarm/web'
import { MAX_DOMAIN_LIST_BYTES, parseDomainList } from './domain-list.ts'
import { allowedToHelp, type OriginFilter } from './origin-filter.ts'
import { dueProbes, probeStartOffset, type ProbeRecord } from './probe-schedule.ts'
import { probesRepository, type Probe } from './probes-repository.ts'

export interface DiscoveryOptions {
  /** Answers a JSON array of domains (Mastodon's `GET /api/v1/instance/peers`). */
  listUrl: string
  /** How often the list is read again (ms). */
  interval: number
  /** Probes may reach private addresses, and the list may name http URLs (tests, private networks). */
  allowPrivateAddresses: boolean
  /** Domains the admin never helps (or does not help only) are not even probed. */
  filter: OriginFilter
  db: Db
  log: Logger
  /** The origins found, in the order they were first found, each time that set changes. */
  onFound (origins: string[]): void
  /** Tests only: a shorter bound on a probe than 5 s. */
  probeTimeoutMs?: number
  /** Probes started per second at most (20). */
  probesPerSecond?: number
  /** Probes under way at once at most (16). */
  concurrency?: number
}

/** What discovery is doing, for the admin's status. */
export interface DiscoveryState {
  listUrl: string
  lastReadAt: string | null
  /** Why the last read of the list failed (the last good list is kept); null after a good read. */
  lastError: string | null
  /** Entries of the last good list that are domains, and entries dropped as garbage. */
  domains: number
  dropped: number
  /** Domains of the list probed so far, and how many of them answered as origins. */
  probed: number
  originsFound: number
  lastProbeAt: string | null
}

export interface Discovery {
  start (): void
  state (): DiscoveryState
  /** When the domain that named `origin` was last probed. */
  lastProbeOf (origin: string): Date | null
  stop (): Promise<void>
}

const PROBE_TIMEOUT_MS = 5000
const PROBE_MAX_BYTES = 64 * 1024
/** The admin's own server may be slow to list 50,000 peers. */
const LIST_TIMEOUT_MS = 60_000

type ProbeAnswer = { origin: string, error: null } | { origin: null, error: string, unreachable: boolean }

/**
 * Finds the origins among the servers the admin's own server federates with:
 * reads the list at start and every `interval`, probes each domain's
 * `/.well-known/fedswarm` (paced, bounded, SSRF-guarded, answers kept in the
 * database so a restart does not probe everything again), and reports the
 * origins found. A list that cannot be read or parsed is logged once and the
 * last good one kept.
 */
export function createDiscovery (options: DiscoveryOptions): Discovery {
  const { db, log } = options
  const controller = new AbortController()
  const perSecond = options.probesPerSecond ?? 20
  const concurrency = options.concurrency ?? 16
  const probeFetch = createSafeFetch({ allowPrivateAddresses: options.allowPrivateAddresses, timeoutMs: options.probeTimeoutMs ?? PROBE_TIMEOUT_MS, maxBytes: PROBE_MAX_BYTES, signal: controller.signal, userAgent: 'fedswarm-seeder' })
  // The list comes from the admin's own server, often on its private network: its size and time are bounded, not its address.
  const listFetch: SafeFetch = createSafeFetch({ allowPrivateAddresses: true, timeoutMs: LIST_TIMEOUT_MS, maxBytes: MAX_DOMAIN_LIST_BYTES, signal: controller.signal, userAgent: 'fedswarm-seeder' })

  const probes = new Map<string, Probe>()
  /** The probes that found an origin: few beside a list of 50,000. */
  const positives = new Map<string, Probe>()
  /** When each origin was last probed (through any domain naming it). */
  const probedAt = new Map<string, Date>()
  /** The last good list, or null before one was read (then every origin found before counts). */
  let targets: string[] | null = null
  let listed: ReadonlySet<string> | null = null
  let dropped = 0
  let lastReadAt: Date | null = null
  let lastError: string | null = null
  let lastProbeAt: Date | null = null
  let lastReported = ''
  let running: Promise<void> | null = null

  function remember (probe: Probe): void {
    probes.set(probe.target, probe)
    if (probe.origin === null) positives.delete(probe.target)
    else {
      positives.set(probe.target, probe)
      const last = probedAt.get(probe.origin)
      if (last === undefined || probe.checkedAt > last) probedAt.set(probe.origin, probe.checkedAt)
    }
  }

  function found (): string[] {
    return [...positives.values()]
      .filter((probe) => listed === null || listed.has(probe.target))
      .sort((a, b) => a.foundAt!.getTime() - b.foundAt!.getTime() || a.target.localeCompare(b.target))
      .map((probe) => probe.origin!)
      .filter((origin, i, all) => all.indexOf(origin) === i)
  }

  function report (): void {
    const origins = found()
    const key = origins.join(' ')
    if (key === lastReported) return
    lastReported = key
    options.onFound(origins)
  }

  async function readList (): Promise<void> {
    let reason: string
    try {
      const response = await listFetch(options.listUrl)
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`)
      const parsed = parseDomainList(response.body, options.allowPrivateAddresses)
      if (parsed.ok) {
        const usable = parsed.list.targets.filter((target) => allowedToHelp(target, options.filter))
        targets = usable
        listed = new Set(usable)
        dropped = parsed.list.dropped
        lastReadAt = new Date()
        lastError = null
        if (dropped > 0) log.warn({ listUrl: options.listUrl, domains: parsed.list.targets.length, dropped }, `domain list read; ${dropped} entries that are not domains dropped`)
        else log.debug({ listUrl: options.listUrl, domains: usable.length }, 'domain list read')
        return
      }
      reason = parsed.reason
    } catch (err) {
      if (controller.signal.aborted) return
      reason = (err as Error).message
    }
    lastError = reason
    log.warn({ listUrl: options.listUrl, reason }, `domain list not used (${reason}); keeping the last good one`)
  }

  /** One `/.well-known/fedswarm`: the origin it names, when it is an origin's discovery document. */
  async function askDocument (base: string): Promise<ProbeAnswer> {
    let body: unknown
    try {
      const response = await probeFetch(`${base}/.well-known/fedswarm`)
      if (response.status !== 200) return { origin: null, error: `HTTP ${response.status}`, unreachable: false }
      body = JSON.parse(response.body.toString('utf8'))
    } catch (err) {
      return { origin: null, error: (err as Error).message, unreachable: !(err instanceof SyntaxError) }
    }
    const document = originDocumentSchema.safeParse(body)
    if (!document.success || !document.data.apiBase.endsWith('/api')) return { origin: null, error: 'not an origin discovery document', unreachable: false }
    const origin = document.data.apiBase.slice(0, -'/api'.length)
    const scheme = new URL(origin).protocol
    if (scheme !== 'https:' && !(scheme === 'http:' && options.allowPrivateAddresses)) return { origin: null, error: `the origin's API is not https: ${origin}`, unreachable: false }
    return { origin, error: null }
  }

  /** The origin a domain answers as. One served elsewhere (its API on another host) must say so from there too: only guarded hosts are followed. */
  async function probe (target: string): Promise<ProbeAnswer> {
    const answer = await askDocument(target)
    if (answer.origin === null || new URL(answer.origin).origin === target) return answer
    const there = await askDocument(answer.origin)
    return there.origin === answer.origin ? answer : { origin: null, error: `names an origin at ${answer.origin} that does not confirm it`, unreachable: false }
  }

  async function probeAndSave (target: string): Promise<void> {
    const answer = await probe(target)
    if (controller.signal.aborted) return
    const before = probes.get(target)
    // A followed origin that does not answer this once is kept: an outage must not drop it for a day.
    const origin = answer.origin ?? (answer.unreachable ? before?.origin ?? null : null)
    const now = new Date()
    const saved: Probe = { target, origin, checkedAt: now, foundAt: origin === null ? null : before?.origin === origin ? before.foundAt : now, error: answer.error }
    remember(saved)
    lastProbeAt = now
    if (answer.origin !== null && before?.origin !== answer.origin) log.info({ target, origin: answer.origin }, 'found an origin')
    else log.debug({ target, error: answer.error }, 'probed a domain')
    await probesRepository.save(db, saved).catch((err: unknown) => log.warn({ err, target }, 'could not save a probe result'))
    report()
  }

  async function probeRound (): Promise<void> {
    if (targets === null) return
    const records = new Map<string, ProbeRecord>([...probes].map(([target, probe]) => [target, { checkedAt: probe.checkedAt.getTime(), origin: probe.origin }]))
    const due = dueProbes(targets, records, Date.now())
    const started = Date.now()
    let next = 0
    const worker = async (): Promise<void> => {
      for (let i = next++; i < due.length && !controller.signal.aborted; i = next++) {
        const wait = started + probeStartOffset(i, perSecond) - Date.now()
        if (wait > 0) await abortableSleep(wait, controller.signal)
        if (!controller.signal.aborted) await probeAndSave(due[i]!)
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker))
  }

  async function run (): Promise<void> {
    for (const probe of await probesRepository.all(db)) remember(probe)
    report()
    while (!controller.signal.aborted) {
      const round = Date.now()
      await readList()
      report()
      await probeRound()
      await abortableSleep(Math.max(0, round + options.interval - Date.now()), controller.signal)
    }
  }

  return {
    start () {
      running ??= run().catch((err: unknown) => log.error({ err }, 'discovery stopped on an error'))
    },

    state () {
      const list = targets ?? []
      return {
        listUrl: options.listUrl,
        lastReadAt: lastReadAt?.toISOString() ?? null,
        lastError,
        domains: list.length,
        dropped,
        probed: list.filter((target) => probes.has(target)).length,
        originsFound: found().length,
        lastProbeAt: lastProbeAt?.toISOString() ?? null
      }
    },

    lastProbeOf: (origin) => probedAt.get(origin) ?? null,

    async stop () {
      controller.abort()
      await running
    }
  }
}
