import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '@fedswarm/testkit'
import { openDb } from '../src/index.ts'
import { pgliteTemplatePath } from '../src/pglite-template.ts'

describe('a new embedded PGlite folder', function () {
  this.timeout(120_000)

  it('starts from the cluster packed at install, and holds what is written across a reopen', async function () {
    assert.ok(existsSync(pgliteTemplatePath()), `npm install packs ${pgliteTemplatePath()}`)
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
})
