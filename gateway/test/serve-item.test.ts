import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { originUrls } from '@fedswarm/protocol'
import type { MediaItem } from '../src/media/media-repository.ts'
import { serveItem, type ItemDoor, type ServedHere } from '../src/mirrors/serve-item.ts'
import { createUploadRoom, type UploadRoom } from '../src/mirrors/upload-room.ts'

const MB = 1_000_000
const MIRROR = 'http://mirror.test/media/x'
const LOCAL = 'http://own-seeder.test/media/x'

/** The order of serveItem's choices, with the mirrors and the bytes faked: what it answers and what it asks for. */
describe('serveItem and the origin\'s upload room', function () {
  // Hot a moment ago, in each test: a redirect waits for a mirror only within a minute of the item becoming hot.
  let item: MediaItem
  let t: number
  let room: UploadRoom
  let chosen: number[]
  let servedHere: ServedHere[]
  let owedWhileSending: number[]

  beforeEach(function () {
    item = { id: 'item', infoHash: 'a'.repeat(40), size: 2 * MB, hotAt: new Date() } as MediaItem
    t = 0
    room = createUploadRoom({ capacity: 5 * MB, now: () => t })
    chosen = []
    servedHere = []
    owedWhileSending = []
  })

  function door (options: { room?: UploadRoom, local?: string } = {}): ItemDoor {
    return {
      urls: originUrls('http://origin.test'),
      redirects: {
        policy: 'hot',
        minSize: 256 * 1024,
        waitMs: 6000,
        room: options.room,
        choose: async (_infoHash, _size, waitMs) => { chosen.push(waitMs); return MIRROR },
        local: () => options.local,
        onRedirect: () => {},
        onServedHere: (_item, why) => servedHere.push(why)
      }
    }
  }

  /** What a GET (or `method`) of the item is answered: a redirect's Location, or `here` with the bytes sent. */
  async function answer (d: ItemDoor, method = 'GET'): Promise<string> {
    let location: string | undefined
    const res = { writeHead: (_status: number, headers: Record<string, string>) => { location = headers.Location; return { end: () => {} } } } as unknown as ServerResponse
    await serveItem({ method, headers: {}, query: {}, ip: '192.0.2.1' }, res, item, d, async (_link, paid) => {
      owedWhileSending.push(room.owed())
      paid(item.size)
      room.sent(item.size)
    })
    return location ?? 'here'
  }

  it('serves a redirectable GET here, without choosing a mirror, while the upload has room', async function () {
    assert.equal(await answer(door({ room })), 'here')
    assert.deepEqual(chosen, [], 'no mirror asked for, so no wait for one')
    assert.deepEqual(servedHere, ['room'])
    assert.deepEqual(owedWhileSending, [2 * MB], 'the response is owed while it is sent')
  })

  it('redirects as before (with the wait of a just-hot item) once the upload is busy', async function () {
    room.sent(4 * MB)
    assert.equal(await answer(door({ room })), MIRROR)
    assert.deepEqual(chosen, [6000])
    t = 1000
    assert.equal(await answer(door({ room })), 'here', 'a second later the link has drained')
  })

  it('redirects as before when no capacity is stated', async function () {
    assert.equal(await answer(door()), MIRROR)
    assert.deepEqual(chosen, [6000])
    assert.deepEqual(servedHere, [])
  })

  it('sends a server\'s own fetches to its own seeder first, room or not', async function () {
    assert.equal(await answer(door({ room, local: LOCAL })), LOCAL)
    assert.deepEqual(servedHere, [])
  })

  it('owes a whole GET served here for want of a mirror, and nothing for a HEAD', async function () {
    room.sent(4 * MB)
    const none = door({ room })
    none.redirects.choose = async () => undefined
    assert.equal(await answer(none), 'here')
    assert.deepEqual(servedHere, ['no_mirror'])
    assert.deepEqual(owedWhileSending, [6 * MB])
    assert.equal(await answer(none, 'HEAD'), 'here')
    assert.equal(owedWhileSending[1], 6 * MB, 'a HEAD adds nothing owed (the GET before has handed its bytes over)')
  })
})
