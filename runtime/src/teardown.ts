/**
 * The steps that stop what a role started. They run last-added first, so
 * nothing stops while a part that uses it still runs; a failing step is
 * reported and the rest still run, because a stop must always finish.
 */
export interface Teardown {
  add (step: () => Promise<void> | void): void
  /** Runs every step added so far, once; safe to call again. */
  run (): Promise<void>
}

export function createTeardown (onError: (err: unknown) => void): Teardown {
  const steps: Array<() => Promise<void> | void> = []
  return {
    add (step) { steps.push(step) },
    async run () {
      for (const step of steps.splice(0).reverse()) {
        try { await step() } catch (err) { onError(err) }
      }
    }
  }
}
