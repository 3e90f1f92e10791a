/**
 * A one-line progress meter on stderr when it is a terminal; silent
 * otherwise, so piped output stays clean.
 */
export interface ProgressLine {
  add (bytes: number): void
  done (): void
}

export function progressLine (label: string, total: number, stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { add () {}, done () {} }
  let sent = 0
  let lastDraw = 0
  const draw = (): void => {
    const pct = total === 0 ? 100 : Math.floor(sent / total * 100)
    stream.write(`\r${label}: ${pct}% (${(sent / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB)`)
  }
  return {
    add (bytes) {
      sent += bytes
      const now = Date.now()
      if (now - lastDraw > 100) { lastDraw = now; draw() }
    },
    done () {
      draw()
      stream.write('\n')
    }
  }
}
