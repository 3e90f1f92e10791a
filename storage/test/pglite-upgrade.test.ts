import assert from 'node:assert/strict'
import { access, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { migrate, openDb, sqliteFileOf, upgradePgliteToSqlite } from '@fedswarm/storage'
import { tempDir, type TempDir } from '@fedswarm/testkit'

const first = [{ id: '001_things', sql: 'CREATE TABLE things (id text PRIMARY KEY, size bigint NOT NULL, data bytea, at timestamptz NOT NULL DEFAULT now())' }]
const later = [...first, { id: '002_note', sql: "ALTER TABLE things ADD COLUMN note text NOT NULL DEFAULT 'none'" }]

describe('upgrade of an embedded PGlite database to SQLite', function () {
  let dir: TempDir
  beforeEach(async function () { dir = await tempDir() })
  afterEach(async function () { await dir.remove() })

  it('copies every row once, brings it to the latest migration, and keeps the old folder as a backup', async function () {
    const dbDir = join(dir.path, 'db')
    const old = await openDb({ dataDir: dbDir })
    await migrate(old, 'test', first)
    const at = new Date('2026-01-02T03:04:05.678Z')
    await old.query('INSERT INTO things (id, size, data, at) VALUES ($1, $2, $3, $4)', ['a', 123456789012, Buffer.from([1, 2, 3]), at])
    await old.close()

    assert.equal(await upgradePgliteToSqlite(dbDir, { namespace: 'test', migrations: later, tables: ['things'] }), 1)
    assert.equal(await upgradePgliteToSqlite(dbDir, { namespace: 'test', migrations: later, tables: ['things'] }), null)
    assert.deepEqual((await readdir(dir.path)).sort(), ['db.pglite-imported', 'db.sqlite'])
    await access(join(dir.path, 'db.pglite-imported', 'PG_VERSION'))

    const db = await openDb({ dataDir: dbDir, embedded: 'sqlite' })
    try {
      assert.deepEqual(await migrate(db, 'test', later), [])
      const rows = await db.query<{ size: number, data: Uint8Array, at: Date, note: string }>('SELECT size, data, at, note FROM things')
      assert.equal(rows.length, 1)
      assert.equal(rows[0]!.size, 123456789012)
      assert.deepEqual(Buffer.from(rows[0]!.data), Buffer.from([1, 2, 3]))
      assert.deepEqual(rows[0]!.at, at)
      assert.equal(rows[0]!.note, 'none')
    } finally {
      await db.close()
    }
  })

  it('reads the old database in the schema it used (FEDSWARM_DB_SCHEMA)', async function () {
    const dbDir = join(dir.path, 'db')
    const old = await openDb({ dataDir: dbDir, schema: 'seeder_a' })
    await migrate(old, 'test', first)
    await old.query('INSERT INTO things (id, size) VALUES ($1, $2)', ['b', 7])
    await old.close()

    assert.equal(await upgradePgliteToSqlite(dbDir, { namespace: 'test', migrations: first, tables: ['things'], schema: 'seeder_a' }), 1)
    const db = await openDb({ dataDir: dbDir, embedded: 'sqlite' })
    try {
      assert.deepEqual((await db.query<{ id: string, size: number }>('SELECT id, size FROM things')).map((row) => ({ ...row })), [{ id: 'b', size: 7 }])
    } finally {
      await db.close()
    }
  })

  it('does nothing for a fresh data folder', async function () {
    assert.equal(await upgradePgliteToSqlite(join(dir.path, 'db'), { namespace: 'test', migrations: first, tables: ['things'] }), null)
    assert.deepEqual(await readdir(dir.path), [])
    assert.equal(sqliteFileOf(join(dir.path, 'db')), join(dir.path, 'db.sqlite'))
  })
})

describe('SQLite transactions', function () {
  it('keep other callers out until they end', async function () {
    const db = await openDb({ dataDir: 'memory://', embedded: 'sqlite' })
    try {
      await db.exec('CREATE TABLE n (v bigint)')
      let release!: () => void
      const held = new Promise<void>((resolve) => { release = resolve })
      const tx = db.transaction(async (q) => {
        await q.query('INSERT INTO n (v) VALUES (1)')
        await held
        throw new Error('rolled back')
      })
      const outside = db.query('INSERT INTO n (v) VALUES (2)')
      release()
      await assert.rejects(tx, /rolled back/)
      await outside
      assert.deepEqual((await db.query<{ v: number }>('SELECT v FROM n')).map((r) => r.v), [2])
    } finally {
      await db.close()
    }
  })
})
