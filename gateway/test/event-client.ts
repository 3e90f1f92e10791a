import { createParser, type EventSourceMessage } from 'eventsource-parser'

/** A Server-Sent Events client over fetch and eventsource-parser, with bounded waits. */
export interface EventClient {
  response: Response
  events: EventSourceMessage[]
  comments: string[]
  retry?: number
  /** The first event received (now or later) that matches, or a rejection after `timeoutMs`. */
  waitFor (predicate: (event: EventSourceMessage) => boolean, timeoutMs?: number): Promise<EventSourceMessage>
  waitForComment (timeoutMs?: number): Promise<string>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close (): void
}

export async function openEvents (url: string, headers: Record<string, string> = {}): Promise<EventClient> {
  const controller = new AbortController()
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  const waiters = new Set<() => void>()
  const notify = (): void => { for (const waiter of [...waiters]) waiter() }
  const client: EventClient = {
    response,
    events: [],
    comments: [],
    waitFor (predicate, timeoutMs = 5000) {
      return until(() => client.events.find(predicate), timeoutMs, 'event')
    },
    waitForComment (timeoutMs = 5000) {
      return until(() => client.comments[0], timeoutMs, 'comment')
    },
    ended: Promise.resolve(),
    close () { controller.abort() }
  }
  function until<T> (find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const found = find()
        if (found === undefined) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`no matching ${what} within ${timeoutMs} ms (received ${client.events.length} events)`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  }
  const parser = createParser({
    onEvent: (event) => { client.events.push(event); notify() },
    onComment: (comment) => { client.comments.push(comment); notify() },
    onRetry: (retry) => { client.retry = retry }
  })
  if (response.ok && response.body !== null) {
    const body = response.body
    client.ended = (async () => {
      const decoder = new TextDecoder()
      try {
        for await (const chunk of body) parser.feed(decoder.decode(chunk, { stream: true }))
      } catch (err) {
        if (!controller.signal.aborted) throw err
      }
    })()
  }
  return client
}
