// Scenario: CPU per byte (issue 18). What a seeder's CPU costs per GiB it
// moves through the swarm, against what the origin's CPU costs per GiB it
// serves over plain HTTP, in the same run, with no upload or download cap
// anywhere. In each round, new items are published cold; S fetchers in this
// process GET each of them from the origin at once (plain HTTP, no seeder
// busy); then the items are made hot and S seeders fetch every one through
// the swarm (the web seed held back). Rounds alternate the two sides, so the
// machine's noise spreads over both. Bytes are the product's counters (every
// process shares the loopback, whose kernel counters cannot tell them
// apart), checked against item sizes. With --cpu-prof, the profile of the
// first seeder is read at the end and its top functions over the last
// swarm phase kept in the result (the CPU figures then include the
// profiler's own cost, and the result says so).

import { readdir, readFile, stat } from 'node:fs/promises'
import { get } from 'node:http'
import { join } from 'node:path'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { pngBytes } from '@fedswarm/testkit'
import {
  ADMIN_TOKEN, MiB, alive, cleanupAll, cpuSeconds, log, metric, originMetrics, outputTail, poll, profileDirectory, round, seederMetrics, sleep, startMany, startOrigin, startSeeder,
  type DaemonProcess, type DbChoice, type OriginProcess
} from './processes.ts'
import { monotonicMicros, topSelfTime, type ProfileEntry } from './cpu-profile-top.ts'

export interface CpuPerByteOptions {
  seeders: number
  items: number
  /** Bytes of each item. */
  size: number
  /** Rounds of plain HTTP then swarm, each on new items: the machine's noise spreads over both sides. */
  rounds: number
  db: DbChoice
  timeoutSeconds: number
}

export interface SeederCost {
  cpuSeconds: number
  /** From the seeder's own counters (fedswarm_seeder_bytes_total): received from peers, from the web seed, and sent. */
  bytesIn: number
  webSeedBytesIn: number
  bytesOut: number
}

export interface HttpRound {
  seconds: number
  bytes: number
  originCpuSeconds: number
}

export interface CpuPerByteRound {
  swarm: {
    seconds: number
    seeders: SeederCost[]
    originCpuSeconds: number
    /** What the origin's own seeding sent to the swarm (fedswarm_seeding_uploaded_bytes). */
    originSwarmBytes: number
  }
  http: HttpRound
  seederPerGiBMoved: number
  originHttpPerGiB: number
  ratio: number
}

export interface CpuPerByteResult {
  config: CpuPerByteOptions
  pieceLength: number
  rounds: CpuPerByteRound[]
  /** CPU-seconds per GiB over every round: all seeders' CPU over all their bytes in and out; over their bytes in only; the origin over its HTTP bytes. */
  seederPerGiBMoved: number
  seederPerGiBReceived: number
  originHttpPerGiB: number
  originSwarmPerGiB: number
  /** seederPerGiBMoved / originHttpPerGiB: the target is at most 3. */
  ratio: number
  /** With --cpu-prof: the first seeder's functions with the most self time during the last round's swarm phase. */
  profile?: { entries: ProfileEntry[], busyShare: number }
}

const GiB = 1024 * MiB
/** Each HEAD poll of a seeder not yet done costs it a JSON error answer: seldom enough to stay out of its CPU. */
const POLL_MS = 1000

/** Publishes `bytes` (201), or, sent again with `hot`, makes the item hot (200): the seeders then fetch it. */
async function publish (originUrl: string, bytes: Buffer, hot: boolean): Promise<Manifest> {
  const response = await fetch(`${originUrl}/api/media${hot ? '?hot=1' : ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'image/png' },
    body: new Uint8Array(bytes),
    signal: AbortSignal.timeout(120_000)
  })
  if (response.status !== (hot ? 200 : 201)) throw new Error(`publish answered ${response.status}: ${await response.text()}`)
  return manifestSchema.parse(await response.json())
}

async function seederBytes (seeder: DaemonProcess): Promise<{ in: number, webSeedIn: number, out: number }> {
  const text = await seederMetrics(seeder.url)
  return {
    in: metric(text, 'fedswarm_seeder_bytes_total', { direction: 'in' }),
    webSeedIn: metric(text, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'webseed' }),
    out: metric(text, 'fedswarm_seeder_bytes_total', { direction: 'out' })
  }
}

/** Every seeder registered and following the origin's events. */
async function seedersReady (origin: OriginProcess, seeders: DaemonProcess[]): Promise<void> {
  const urls = new Set(seeders.map((s) => s.url))
  await poll('every seeder registered', 120_000, POLL_MS, async () => {
    const response = await fetch(`${origin.url}/api/instances`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const body = await response.json() as { instances: Array<{ publicUrl: string, status: string }> }
    return body.instances.filter((i) => urls.has(i.publicUrl) && i.status === 'active').length === urls.size ? true : undefined
  })
  await poll('the seeders\' event streams', 60_000, POLL_MS, async () => metric(await originMetrics(origin.url), 'fedswarm_event_streams') >= seeders.length ? true : undefined)
}

/**
 * The length of the body of a GET of `url`, read and dropped. node:http, not
 * fetch: a client slower to read (fetch's web streams) makes the server
 * write in smaller pieces, and so spend more CPU per byte than it must.
 */
function getLength (url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, signal: AbortSignal.timeout(120_000) }, (res) => {
      if (res.statusCode !== 200) {
        res.resume()
        reject(new Error(`GET ${url} answered ${res.statusCode}`))
        return
      }
      let length = 0
      res.on('data', (chunk: Buffer) => { length += chunk.length })
      res.on('end', () => resolve(length))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

/** `fetchers` plain GETs at once, each of every item in turn, bodies read to the end and counted. */
async function httpRound (origin: OriginProcess, manifests: Manifest[], fetchers: number): Promise<HttpRound> {
  const cpu0 = await cpuSeconds(origin.pid)
  const started = performance.now()
  const counts = await Promise.all(Array.from({ length: fetchers }, async () => {
    let bytes = 0
    for (const manifest of manifests) {
      const length = await getLength(`${manifest.url}?direct=1`)
      if (length !== manifest.size) throw new Error(`GET ${manifest.url} gave ${length} of ${manifest.size} bytes`)
      bytes += length
    }
    return bytes
  }))
  const seconds = (performance.now() - started) / 1000
  return { seconds: round(seconds, 2), bytes: counts.reduce((a, b) => a + b, 0), originCpuSeconds: round(await cpuSeconds(origin.pid) - cpu0, 2) }
}

/**
 * Waits (at most 10 s) until the origin spent under 20 ms of CPU in 0.5 s:
 * what the swarm phase left it to do (checking the seeders' new mirrors,
 * their announces) is not counted as serving HTTP.
 */
async function quiet (origin: OriginProcess): Promise<void> {
  let last = await cpuSeconds(origin.pid)
  await poll('the origin to go quiet', 10_000, 500, async () => {
    const now = await cpuSeconds(origin.pid)
    const used = now - last
    last = now
    return used < 0.02 ? true : undefined
  }).catch(() => log('cpu-per-byte: the origin did not go quiet within 10 s; measuring anyway'))
}

/** With --cpu-prof: stops the seeder (it writes its profile as it exits) and reads the profile's top functions within `window`. */
async function seederProfile (seeder: DaemonProcess, window: { from: number, to: number }): Promise<CpuPerByteResult['profile']> {
  const dir = profileDirectory()
  if (dir === undefined) return undefined
  await seeder.stop()
  // bin/fedswarm.js re-executes itself in the same process: the larger of its profiles is the seeder's.
  const files = (await readdir(dir)).filter((name) => name.includes(`.${seeder.pid}.`)).map((name) => join(dir, name))
  const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size))
  const file = files[sizes.indexOf(Math.max(...sizes))]
  if (file === undefined) return undefined
  const { entries, idle } = topSelfTime(JSON.parse(await readFile(file, 'utf8')), 15, window)
  return { entries, busyShare: round(1 - idle, 3) }
}

export async function runCpuPerByte (options: CpuPerByteOptions): Promise<CpuPerByteResult> {
  const { seeders: s, items, size } = options
  log(`cpu-per-byte: ${s} seeders, ${items} items of ${size / MiB} MiB, no caps, db ${options.db}`)
  const started: DaemonProcess[] = []
  try {
    const origin = await startOrigin(options.db, {})
    started.push(origin)
    const seeders = await startMany(s, 3, () => startSeeder(options.db, origin.url, {
      // The bytes come from the swarm: the web seed only if peers give nothing for a minute.
      FEDSWARM_WEBSEED_AFTER: '60s',
      FEDSWARM_POLL_INTERVAL: '1s'
    }))
    started.push(...seeders)
    await seedersReady(origin, seeders)
    log(`cpu-per-byte: origin and ${s} seeders up`)

    // Published cold first (no seeder fetches them yet), a new set for each round: a seeder fetches an item once.
    const sets: Manifest[][] = []
    const contents = new Map<string, Buffer>()
    for (let r = 0; r < options.rounds; r++) {
      const set: Manifest[] = []
      for (let i = 0; i < items; i++) {
        const bytes = pngBytes(size)
        const manifest = await publish(origin.url, bytes, false)
        contents.set(manifest.id, bytes)
        set.push(manifest)
      }
      sets.push(set)
    }
    // Warm-up, not counted: the origin's first GETs compile its hot path.
    await httpRound(origin, sets[0]!.slice(0, 1), 1)

    const rounds: CpuPerByteRound[] = []
    let window = { from: 0, to: 0 }
    for (const [r, manifests] of sets.entries()) {
      // Plain HTTP first, the items still cold: the origin has the machine's share to itself.
      await quiet(origin)
      const http = await httpRound(origin, manifests, s)
      log(`cpu-per-byte: round ${r + 1}, plain HTTP: ${round(http.bytes / MiB, 0)} MiB in ${http.seconds} s, origin CPU ${http.originCpuSeconds} s`)

      // Made hot, each is announced to the seeders at once: their CPU counts from before the first.
      await quiet(origin)
      const cpu0 = await Promise.all(seeders.map((seeder) => cpuSeconds(seeder.pid)))
      const bytes0 = await Promise.all(seeders.map(seederBytes))
      const originCpu0 = await cpuSeconds(origin.pid)
      const originSwarm0 = metric(await originMetrics(origin.url), 'fedswarm_seeding_uploaded_bytes')
      const startedAt = performance.now()
      const from = monotonicMicros()
      for (const manifest of manifests) await publish(origin.url, contents.get(manifest.id)!, true)
      const deadline = startedAt + options.timeoutSeconds * 1000
      const pending = new Set(seeders.flatMap((seeder) => manifests.map((manifest) => ({ seeder, manifest }))))
      while (pending.size > 0) {
        if (performance.now() > deadline) throw new Error(`${pending.size} seeder-item pairs not done within ${options.timeoutSeconds} s`)
        for (const entry of [...pending]) {
          if (!alive(entry.seeder.pid)) throw new Error(`seeder ${entry.seeder.url} exited; its last output:\n${outputTail(entry.seeder)}`)
          const response = await fetch(`${entry.seeder.url}/media/${entry.manifest.infoHash}`, { method: 'HEAD', signal: AbortSignal.timeout(5000) }).catch(() => undefined)
          if (response?.status === 200) pending.delete(entry)
        }
        if (pending.size > 0) await sleep(POLL_MS)
      }
      const seconds = (performance.now() - startedAt) / 1000
      if (r === sets.length - 1) window = { from, to: monotonicMicros() }
      const cpu1 = await Promise.all(seeders.map((seeder) => cpuSeconds(seeder.pid)))
      const bytes1 = await Promise.all(seeders.map(seederBytes))
      const originCpuSeconds = round(await cpuSeconds(origin.pid) - originCpu0, 2)
      const originSwarmBytes = metric(await originMetrics(origin.url), 'fedswarm_seeding_uploaded_bytes') - originSwarm0
      const costs: SeederCost[] = seeders.map((_, i) => ({
        cpuSeconds: round(cpu1[i]! - cpu0[i]!, 2),
        bytesIn: bytes1[i]!.in - bytes0[i]!.in,
        webSeedBytesIn: bytes1[i]!.webSeedIn - bytes0[i]!.webSeedIn,
        bytesOut: bytes1[i]!.out - bytes0[i]!.out
      }))
      log(`cpu-per-byte: round ${r + 1}, swarm done in ${round(seconds, 1)} s; seeders' CPU ${costs.map((c) => c.cpuSeconds).join(', ')} s, in ${costs.map((c) => round(c.bytesIn / MiB, 0)).join(', ')} MiB, out ${costs.map((c) => round(c.bytesOut / MiB, 0)).join(', ')} MiB; origin CPU ${originCpuSeconds} s`)
      const seederCpu = costs.reduce((a, c) => a + c.cpuSeconds, 0)
      const moved = costs.reduce((a, c) => a + c.bytesIn + c.bytesOut, 0)
      const seederPerGiBMoved = round(seederCpu / (moved / GiB), 3)
      const originHttpPerGiB = round(http.originCpuSeconds / (http.bytes / GiB), 3)
      rounds.push({
        swarm: { seconds: round(seconds, 2), seeders: costs, originCpuSeconds, originSwarmBytes },
        http,
        seederPerGiBMoved,
        originHttpPerGiB,
        ratio: round(seederPerGiBMoved / originHttpPerGiB, 2)
      })
    }
    const profile = await seederProfile(seeders[0]!, window)

    const all = rounds.flatMap((r) => r.swarm.seeders)
    const seederCpu = all.reduce((a, c) => a + c.cpuSeconds, 0)
    const seederPerGiBMoved = round(seederCpu / (all.reduce((a, c) => a + c.bytesIn + c.bytesOut, 0) / GiB), 3)
    const originHttpPerGiB = round(rounds.reduce((a, r) => a + r.http.originCpuSeconds, 0) / (rounds.reduce((a, r) => a + r.http.bytes, 0) / GiB), 3)
    const originSwarm = rounds.reduce((a, r) => a + r.swarm.originSwarmBytes, 0)
    return {
      config: options,
      pieceLength: sets[0]![0]!.pieceLength,
      rounds,
      seederPerGiBMoved,
      seederPerGiBReceived: round(seederCpu / (all.reduce((a, c) => a + c.bytesIn, 0) / GiB), 3),
      originHttpPerGiB,
      originSwarmPerGiB: round(rounds.reduce((a, r) => a + r.swarm.originCpuSeconds, 0) / (Math.max(1, originSwarm) / GiB), 3),
      ratio: round(seederPerGiBMoved / originHttpPerGiB, 2),
      ...profile === undefined ? {} : { profile }
    }
  } catch (err) {
    // undici says only "fetch failed": the reason (a refused connection, a reset) is its cause, and a process that died says why.
    const cause = (err as { cause?: Error }).cause
    const dead = started.filter((p) => !alive(p.pid)).map((p) => `\n${p.url} exited; its last output:\n${outputTail(p)}`)
    throw new Error(`${(err as Error).stack ?? String(err)}${cause === undefined ? '' : `\ncaused by: ${cause.stack ?? cause.message}`}${dead.join('')}`)
  } finally {
    await cleanupAll()
  }
}
