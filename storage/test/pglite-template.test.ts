import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@fedswarm/testkit'
import { openDb } from '../src/index.ts'
import { pgliteTemplatePath } from '../src/pglite-template.ts'

describe('a new embedded PGlite folder', function () {
  this.timeout(120_000)

  it('starts as a copy of the cluster made at install, and holds what is written across a reopen', async function () {
    assert.ok(existsSync(join(pgliteTemplatePath(), 'PG_VERSION')), `npm install makes ${pgliteTemplatePath()}`)
    const dir = await tempDir('fedswarm-pglite-template-')
    try {
      const dataDir = join(dir.path, 'db')
      const first = await openDb({ dataDir, embedded: 'pglite' })
      await first.exec('CREATE TABLE notes (id int PRIMARY KEY, body text)')
      await first.query('INSERT INTO notes VALUES ($1, $2)', [1, 'kept'])
      await first.close()
      assert.ok(existsSync(join(dataDir, 'PG_VERSION')), 'a real cluster is on disk')
      const again = await openDb({ dataDir, embedded: 'pglite' })
      assert.deepEqual(await again.query('SELECT body FROM notes'), [{ body: 'kept' }])
      await again.close()
    } finally {
      await dir.remove()
    }
  })

  it('copies again over a copy cut short (no PG_VERSION yet), and the result opens', async function () {
    const dir = await tempDir('fedswarm-pglite-template-')
    try {
      const dataDir = join(dir.path, 'db')
      const first = await openDb({ dataDir, embedded: 'pglite' })
      await first.close()
      // As a copy interrupted before its last file: the cluster's mark is missing, and a file was left half written.
      await rm(join(dataDir, 'PG_VERSION'))
      await writeFile(join(dataDir, 'postgresql.conf'), '# cut sh')
      const again = await openDb({ dataDir, embedded: 'pglite' })
      assert.deepEqual(await again.query('SELECT 1 AS one'), [{ one: 1 }])
      await again.close()
      assert.equal(await readFile(join(dataDir, 'postgresql.conf'), 'utf8'), await readFile(join(pgliteTemplatePath(), 'postgresql.conf'), 'utf8'))
      assert.deepEqual((await readdir(dataDir)).sort(), (await readdir(pgliteTemplatePath())).sort())
    } finally {
      await dir.remove()
    }
  })
})
