/** Resolves at the first SIGINT or SIGTERM: a long-running command's cue to stop cleanly. */
export function untilSignal (): Promise<void> {
  return new Promise<void>((resolve) => {
    const shutdown = (): void => {
      process.off('SIGINT', shutdown)
      process.off('SIGTERM', shutdown)
      resolve()
    }
    process.on('SIGINT', shutdown)
    process.on('SIGTERM', shutdown)
  })
}
