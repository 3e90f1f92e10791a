/**
 * Log fields of the `failures`th failure in a row of something retried: the
 * error and its stack the first time, then one short line with the count, so
 * an origin down for an hour does not fill the log with the same stack.
 */
export function failureFields (err: unknown, failures: number): Record<string, unknown> {
  return failures === 1 ? { err } : { error: err instanceof Error ? err.message : String(err), failures }
}
