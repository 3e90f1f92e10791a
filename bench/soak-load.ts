// An open-loop load at a stated rate: each kind of request is started on
// schedule (rate x elapsed time), whatever the server's latency, with a cap
// on requests in flight; a request due while the cap is reached is counted
// as skipped (the server fell behind), never queued.

/** What one request came to: 'ok', or why it is an error (shown grouped in the result). */
export type Outcome = 'ok' | { error: string }

export interface LoadKind {
  name: string
  /** Requests started per second. */
  rate: number
  /** Most requests of this kind in flight at once. */
  maxInFlight: number
  fire (): Promise<Outcome>
}

export interface KindTally {
  sent: number
  ok: number
  skipped: number
  /** Errors by reason. */
  errors: Record<string, number>
  latenciesMs: number[]
}

export interface RunningLoad {
  tallies: Record<string, KindTally>
  /** Stops starting requests; resolves once those in flight have ended (or after `drainMs`, counting the rest as errors). */
  stop (drainMs?: number): Promise<void>
}

const TICK_MS = 20

export function startLoad (kinds: LoadKind[]): RunningLoad {
  const started = performance.now()
  const tallies: Record<string, KindTally> = {}
  const inFlight = new Map<string, Set<Promise<void>>>()
  const scheduled = new Map<string, number>()
  for (const kind of kinds) {
    tallies[kind.name] = { sent: 0, ok: 0, skipped: 0, errors: {}, latenciesMs: [] }
    inFlight.set(kind.name, new Set())
    scheduled.set(kind.name, 0)
  }
  const countError = (tally: KindTally, reason: string): void => { tally.errors[reason] = (tally.errors[reason] ?? 0) + 1 }

  function launch (kind: LoadKind, tally: KindTally, running: Set<Promise<void>>): void {
    tally.sent++
    const t0 = performance.now()
    const done = kind.fire().then((outcome) => {
      tally.latenciesMs.push(performance.now() - t0)
      if (outcome === 'ok') tally.ok++
      else countError(tally, outcome.error)
    }, (err: unknown) => countError(tally, `threw: ${(err as Error).message}`)).finally(() => running.delete(done))
    running.add(done)
  }

  const timer = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000
    for (const kind of kinds) {
      const tally = tallies[kind.name]!
      const running = inFlight.get(kind.name)!
      const due = Math.floor(kind.rate * elapsed)
      for (let n = scheduled.get(kind.name)!; n < due; n++) {
        if (running.size >= kind.maxInFlight) tally.skipped++
        else launch(kind, tally, running)
      }
      scheduled.set(kind.name, Math.max(scheduled.get(kind.name)!, due))
    }
  }, TICK_MS)

  return {
    tallies,
    async stop (drainMs = 15_000) {
      clearInterval(timer)
      const all = [...inFlight.values()].flatMap((set) => [...set])
      let timeout: NodeJS.Timeout | undefined
      const drained = await Promise.race([
        Promise.all(all).then(() => true),
        new Promise<false>((resolve) => { timeout = setTimeout(() => resolve(false), drainMs) })
      ])
      clearTimeout(timeout)
      if (drained) return
      for (const [name, set] of inFlight) {
        const tally = tallies[name]!
        const reason = `still in flight ${drainMs / 1000} s after the end`
        if (set.size > 0) tally.errors[reason] = (tally.errors[reason] ?? 0) + set.size
      }
    }
  }
}
