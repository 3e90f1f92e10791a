import assert from 'node:assert/strict'
import { migrate, type Db } from '@fedswarm/storage'
import { dbBackends, tempDir, type OpenedDb, type TempDir } from '@fedswarm/testkit'

const migrations = [
  { id: '001_things', sql: 'CREATE TABLE things (id text PRIMARY KEY, size bigint NOT NULL, data bytea, at timestamptz NOT NULL DEFAULT now()); CREATE INDEX things_size ON things (size)' },
  { id: '002_more', sql: 'ALTER TABLE things ADD COLUMN note text' }
]

for (const backend of dbBackends()) {
  describe(`db contract on ${backend.name}`, function () {
    let dir: TempDir
    let opened: OpenedDb
    let db: Db

    beforeEach(async function () {
      dir = await tempDir()
      opened = await backend.open(dir.path)
      db = opened.db
    })
    afterEach(async function () {
      await opened.cleanup()
      await dir.remove()
    })

    it('applies migrations once, in order', async function () {
      assert.deepEqual(await migrate(db, 'test', migrations), ['001_things', '002_more'])
      assert.deepEqual(await migrate(db, 'test', migrations), [])
      assert.deepEqual(await migrate(db, 'other', migrations.slice(0, 0)), [])
    })

    it('round-trips int8 as number, bytea as bytes, timestamptz as Date', async function () {
      await migrate(db, 'test', migrations)
      await db.query('INSERT INTO things (id, size, data) VALUES ($1, $2, $3)', ['a', 123456789012, Buffer.from([1, 2, 3])])
      const [row] = await db.query<{ size: number, data: Uint8Array, at: Date }>('SELECT size, data, at FROM things')
      assert.equal(row?.size, 123456789012)
      assert.deepEqual(Buffer.from(row!.data), Buffer.from([1, 2, 3]))
      assert.ok(row?.at instanceof Date)
    })

    it('commits a transaction that resolves and rolls back one that throws', async function () {
      await migrate(db, 'test', migrations)
      await db.transaction(async (tx) => { await tx.query("INSERT INTO things (id, size) VALUES ('kept', 1)") })
      await assert.rejects(db.transaction(async (tx) => {
        await tx.query("INSERT INTO things (id, size) VALUES ('lost', 1)")
        throw new Error('abort')
      }), /abort/)
      const rows = await db.query<{ id: string }>('SELECT id FROM things ORDER BY id')
      assert.deepEqual(rows.map((r) => r.id), ['kept'])
    })

    it('a failed migration leaves no trace and can be retried', async function () {
      const broken = [{ id: '001_broken', sql: 'CREATE TABLE half (id text); SELECT no_such_function()' }]
      await assert.rejects(migrate(db, 'test', broken))
      await assert.rejects(db.query('SELECT * FROM half'))
      assert.deepEqual(await migrate(db, 'test', migrations), ['001_things', '002_more'])
    })

    it('delivers NOTIFY to listeners until they unsubscribe', async function () {
      const received: string[] = []
      let resolve!: () => void
      const arrived = new Promise<void>((r) => { resolve = r })
      const unsubscribe = await db.listen('fedswarm_test', (payload) => { received.push(payload); resolve() })
      await db.notify('fedswarm_test', 'hello')
      await arrived
      assert.deepEqual(received, ['hello'])
      await unsubscribe()
    })
  })
}
