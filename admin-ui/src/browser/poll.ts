// Live pages: a refresh now and every `intervalMs` while the page is shown, never two at once.

export function poll (refresh: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void): () => void {
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const run = async (): Promise<void> => {
    try {
      await refresh()
    } catch (error) {
      if (!stopped) onError(error)
    }
    if (!stopped) timer = setTimeout(() => { void run() }, intervalMs)
  }
  void run()
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
