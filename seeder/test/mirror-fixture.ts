import { pino } from 'pino'
import { eventually, pngBytes, rawRequest } from '@fedswarm/testkit'
import { type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'
import type { SeederOverrides } from '@fedswarm/seeder'
import { startSeederFixture, type SeederFixture } from './seeder-fixture.ts'

export interface HeldItem { infoHash: string, mediaId: string, sha256: string, bytes: Buffer }

/** A real origin and a real seeder mirroring some hot items (and refusing one deleted item), on real sockets. */
export interface MirrorFixture {
  origin: OriginFixture
  seeder: SeederFixture
  port: number
  held: HeldItem[]
  /** Info hash of an item the seeder held until its origin deleted it. */
  deleted: string
  /** Lines the seeder logged at level error or above. */
  errorLogs: string[]
  stop (): Promise<void>
}

async function answers (port: number, infoHash: string, status: number): Promise<true | undefined> {
  return (await rawRequest(port, { method: 'HEAD', path: `/media/${infoHash}` })).status === status ? true : undefined
}

/** `env`: more of the seeder's configuration (FEDSWARM_...). */
export async function startMirrorFixture (sizes: number[], overrides: SeederOverrides = {}, env: Record<string, string> = {}): Promise<MirrorFixture> {
  const origin = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' })
  const errorLogs: string[] = []
  let seeder: SeederFixture | undefined
  try {
    const log = pino({ level: 'error' }, { write: (line: string) => { errorLogs.push(line) } })
    seeder = await startSeederFixture([origin.url], env, { log, ...overrides })
    const port = seeder.seeder.port
    const held: HeldItem[] = []
    for (const size of [...sizes, 20_000]) {
      const bytes = pngBytes(size)
      const { status, manifest } = await publish(origin, bytes, '?hot=1')
      if (status !== 201) throw new Error(`publish answered ${status}`)
      held.push({ infoHash: manifest.infoHash, mediaId: manifest.id, sha256: manifest.sha256, bytes })
    }
    for (const item of held) await eventually(`the seeder mirroring ${item.infoHash}`, 30_000, () => answers(port, item.infoHash, 200))
    const gone = held.pop()!
    const response = await origin.api(`/api/media/${gone.mediaId}`, { method: 'DELETE', admin: true, body: JSON.stringify({ reason: 'test' }), headers: { 'content-type': 'application/json' } })
    if (response.status !== 200) throw new Error(`DELETE answered ${response.status}`)
    // The ack is sent once the purge is done: no file of the item is left to race with.
    await eventually('the seeder acking the deletion', 30_000, async () => {
      const { acks } = await (await origin.api(`/api/media/${gone.mediaId}`)).json() as { acks?: unknown[] }
      return acks?.length === 1 ? true : undefined
    })
    await eventually('the seeder refusing the deleted item', 30_000, () => answers(port, gone.infoHash, 410))
    const running = seeder
    return {
      origin,
      seeder: running,
      port,
      held,
      deleted: gone.infoHash,
      errorLogs,
      async stop () {
        await running.stop()
        await origin.stop()
      }
    }
  } catch (err) {
    await seeder?.stop()
    await origin.stop()
    throw err
  }
}
