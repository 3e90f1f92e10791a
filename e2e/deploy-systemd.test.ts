import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { tempDir } from '@fedswarm/testkit'

const run = promisify(execFile)
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Where the units expect the checkout. */
const INSTALLED_AT = '/opt/fedswarm'

/** The `Key=value` lines of a unit, every value of each key in order. */
function unitSettings (text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (match === null) continue
    settings.set(match[1]!, [...settings.get(match[1]!) ?? [], match[2]!])
  }
  return settings
}

async function systemdAnalyze (): Promise<boolean> {
  return run('systemd-analyze', ['--version']).then(() => true, () => false)
}

for (const role of ['origin', 'seeder'] as const) {
  describe(`deploy/fedswarm-${role}.service`, function () {
    this.timeout(60_000)
    const path = join(REPO_ROOT, 'deploy', `fedswarm-${role}.service`)

    it('starts this checkout\'s fedswarm as that role, with Node 24, when installed at /opt/fedswarm', async function () {
      const settings = unitSettings(await readFile(path, 'utf8'))
      const [exec] = settings.get('ExecStart') ?? []
      assert.ok(exec !== undefined, 'an ExecStart')
      const [node, bin, verb, ...rest] = exec.split(' ')
      assert.deepEqual([node, bin, verb, rest], [`${INSTALLED_AT}/node_modules/node/bin/node`, `${INSTALLED_AT}/bin/fedswarm.js`, role, []])
      const here = (installed: string): string => installed.replace(INSTALLED_AT, REPO_ROOT)
      await access(here(node!), constants.X_OK)
      await access(here(bin!), constants.R_OK)
      const { stdout } = await run(here(node!), ['--version'])
      assert.match(stdout, /^v24\./)
    })

    it('is hardened, and may write only to its data folder', async function () {
      const settings = unitSettings(await readFile(path, 'utf8'))
      const one = (key: string): string | undefined => settings.get(key)?.at(-1)
      const data = `/var/lib/fedswarm/${role}`
      assert.ok(settings.get('Environment')?.includes(`FEDSWARM_DATA=${data}`))
      assert.equal(one('StateDirectory'), `fedswarm/${role}`)
      assert.equal(one('ReadWritePaths'), data)
      assert.equal(one('EnvironmentFile'), `/etc/fedswarm/${role}.env`)
      assert.equal(one('User'), 'fedswarm')
      for (const [key, value] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['PrivateTmp', 'yes'], ['PrivateDevices', 'yes'], ['RestrictSUIDSGID', 'yes'], ['CapabilityBoundingSet', '']] as const) {
        assert.equal(one(key), value, key)
      }
      assert.equal(one('MemoryDenyWriteExecute'), undefined, 'Node\'s JIT compiler needs writable code pages')
    })

    it('passes systemd-analyze verify without a warning', async function () {
      if (!await systemdAnalyze()) {
        this.test!.title += ' (skipped: systemd-analyze is not installed on this machine)'
        this.skip()
      }
      const dir = await tempDir('fedswarm-unit-')
      try {
        // verify checks that ExecStart's program exists: the unit as installed, with this checkout for /opt/fedswarm.
        const copy = join(dir.path, `fedswarm-${role}.service`)
        await writeFile(copy, (await readFile(path, 'utf8')).replaceAll(INSTALLED_AT, REPO_ROOT.replace(/\/$/, '')))
        const result = await run('systemd-analyze', ['verify', copy]).then(({ stderr }) => ({ code: 0, stderr }), (err: { code: number, stderr: string }) => err)
        assert.deepEqual(result, { code: 0, stderr: '' })
      } finally {
        await dir.remove()
      }
    })
  })
}
