/**
 * Checks `check` every 50 ms until it returns a value (errors count as not
 * yet), or fails after `timeoutMs` naming `what`: for conditions seen only
 * from outside a process (a mirror answering 200, an ack listed).
 */
export async function eventually<T> (what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
