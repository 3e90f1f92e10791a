import cliProgress from 'cli-progress'

/** Bytes in the unit the configuration reads sizes in (binary: `100MB` is 100 MiB), one decimal. */
export function mebibytes (bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
}

/** A long command's progress: a bar redrawn in place on a terminal, nothing otherwise (piped output and logs stay clean). */
export interface Progress {
  update (done: number, total: number): void
  stop (): void
}

export interface ProgressOptions {
  /** How far, in words after the bar: `1.2 MiB of 3.0 MiB` by default. */
  describe?: (done: number, total: number) => string
  stream?: NodeJS.WriteStream
}

/** Every long command's one progress display, on stderr. */
export function progress (label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr
  if (!stream.isTTY) return { update () {}, stop () {} }
  const describe = options.describe ?? ((done, total) => `${mebibytes(done)} of ${mebibytes(total)}`)
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% {how}`,
    barsize: 30,
    hideCursor: false,
    fps: 10
  }, cliProgress.Presets.legacy)
  let started = false
  return {
    update (done, total) {
      const payload = { how: describe(done, total) }
      if (!started) {
        started = true
        bar.start(total, done, payload)
      } else {
        bar.setTotal(total)
        bar.update(done, payload)
      }
    },
    stop () {
      if (started) bar.stop()
      started = false
    }
  }
}
