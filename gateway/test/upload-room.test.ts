import assert from 'node:assert/strict'
import { createUploadRoom, ROOM_SECONDS, type UploadRoom } from '../src/mirrors/upload-room.ts'

const MB = 1_000_000

describe('the origin\'s upload room', function () {
  let t: number
  let room: UploadRoom
  beforeEach(function () {
    t = 0
    room = createUploadRoom({ capacity: 5 * MB, now: () => t })
  })

  it('has room for what an idle link sends within a second, and no more', function () {
    assert.equal(room.owed(), 0)
    assert.ok(room.hasRoomFor(5 * MB * ROOM_SECONDS))
    assert.ok(!room.hasRoomFor(5 * MB * ROOM_SECONDS + 1))
  })

  it('counts bytes handed to the network until the link has sent them at its capacity', function () {
    room.sent(2 * MB)
    room.sent(2 * MB)
    assert.equal(room.owed(), 4 * MB)
    assert.ok(!room.hasRoomFor(2 * MB), 'busy: 6 MB is more than a second of the link')
    t = 400
    assert.equal(room.owed(), 2 * MB)
    assert.ok(room.hasRoomFor(2 * MB))
    t = 10_000
    assert.equal(room.owed(), 0, 'drained, never below nothing')
    room.sent(MB)
    assert.equal(room.owed(), MB, 'an idle time earns no credit')
  })

  it('owes the rest of a whole response under way until it is handed over or ends', function () {
    const response = room.begin(8 * MB)
    assert.equal(room.owed(), 8 * MB)
    assert.ok(!room.hasRoomFor(MB))
    // A client that reads slowly: a few chunks in a long time, the rest still owed.
    for (let i = 0; i < 4; i++) {
      response.paid(64 * 1024)
      room.sent(64 * 1024)
    }
    t = 60_000
    assert.equal(room.owed(), 8 * MB - 4 * 64 * 1024)
    response.end()
    assert.equal(room.owed(), 0, 'a response cut short owes nothing more')
    response.end()
    response.paid(MB)
    assert.equal(room.owed(), 0, 'ending twice, or a chunk after the end, changes nothing')
  })

  it('moves a response\'s bytes from owed-to-send to the link as they are handed over', function () {
    const response = room.begin(2 * MB)
    response.paid(MB)
    room.sent(MB)
    assert.equal(room.owed(), 2 * MB, 'handing bytes over does not pay the link')
    t = 200
    assert.equal(room.owed(), MB)
    response.paid(3 * MB)
    room.sent(MB)
    assert.equal(room.owed(), MB, 'a response pays at most its length')
    response.end()
    assert.equal(room.owed(), MB)
  })

  it('refuses a capacity of nothing', function () {
    assert.throws(() => createUploadRoom({ capacity: 0, now: () => 0 }), /above 0/)
  })
})
