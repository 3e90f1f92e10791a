import assert from 'node:assert/strict'
import { pino } from 'pino'
import { migrate } from '@fedswarm/storage'
import { dbBackends, tempDir, type OpenedDb, type TempDir } from '@fedswarm/testkit'
import { ORIGIN_NAMESPACE, originMigrations } from '../src/migrations.ts'
import { TRAFFIC_KEEP_MS, startTrafficRecorder } from '../src/traffic/traffic-recorder.ts'
import { trafficRepository } from '../src/traffic/traffic-repository.ts'

const quiet = pino({ level: 'silent' })
const counts = (partial: Partial<Record<'originHttp' | 'originPeer' | 'swarm' | 'mirrors' | 'requests' | 'redirects', number>>) =>
  ({ originHttp: 0, originPeer: 0, swarm: 0, mirrors: 0, requests: 0, redirects: 0, ...partial })

// The origin's migrations are PostgreSQL's: PGlite, and the server when one is configured.
for (const backend of dbBackends().filter((b) => b.name !== 'sqlite')) {
  describe(`traffic minutes (${backend.name})`, function () {
    this.timeout(20_000)
    let dir: TempDir
    let opened: OpenedDb

    // One database for the file: each test reads a window of time of its own.
    before(async () => {
      dir = await tempDir()
      opened = await backend.open(dir.path)
      await migrate(opened.db, ORIGIN_NAMESPACE, originMigrations)
    })
    after(async () => {
      await opened?.cleanup()
      await dir?.remove()
    })

    it('adds what each writer counted to its minute, and reads minutes in a range, oldest first', async () => {
      const minute = Date.parse('2026-12-02T10:07:00Z')
      await trafficRepository.add(opened.db, new Date(minute + 5_000), counts({ originHttp: 100, requests: 1 }))
      await trafficRepository.add(opened.db, new Date(minute + 59_999), counts({ originHttp: 50, swarm: 7, mirrors: 3000, redirects: 1 }))
      await trafficRepository.add(opened.db, new Date(minute + 60_000), counts({ originPeer: 9 }))
      const rows = await trafficRepository.range(opened.db, new Date(minute), new Date(minute + 120_000))
      assert.deepEqual(rows, [
        { minute: new Date(minute), ...counts({ originHttp: 150, swarm: 7, mirrors: 3000, requests: 1, redirects: 1 }) },
        { minute: new Date(minute + 60_000), ...counts({ originPeer: 9 }) }
      ])
      assert.deepEqual(await trafficRepository.range(opened.db, new Date(minute + 60_000), new Date(minute + 120_000)), [rows[1]])
    })

    it('holds counts past 2^31 (a day of a busy origin)', async () => {
      const at = new Date('2026-12-02T11:00:00Z')
      await trafficRepository.add(opened.db, at, counts({ originHttp: 5e12 }))
      await trafficRepository.add(opened.db, at, counts({ originHttp: 5e12 }))
      const [row] = await trafficRepository.range(opened.db, at, new Date(at.getTime() + 60_000))
      assert.equal(row!.originHttp, 1e13)
    })

    it('records in memory, flushes to the minute of its clock, adds the growth of cumulative counters, and prunes past a week', async () => {
      let now = Date.parse('2026-12-01T12:00:30Z')
      let peerUploaded = 0
      await trafficRepository.add(opened.db, new Date(now - TRAFFIC_KEEP_MS - 60_000), counts({ requests: 1 }))
      await trafficRepository.add(opened.db, new Date(now - TRAFFIC_KEEP_MS + 120_000), counts({ requests: 2 }))
      const recorder = startTrafficRecorder({ db: opened.db, log: quiet, flushIntervalMs: 3_600_000, clock: () => now, cumulative: { originPeer: () => peerUploaded } })
      try {
        recorder.count('originHttp', 10)
        recorder.count('originHttp', 5)
        peerUploaded = 700
        await recorder.flush()
        now += 60_000
        peerUploaded = 1000
        recorder.count('swarm', 4)
        await recorder.flush()
        // Nothing counted since: no row is written.
        now += 60_000
        await recorder.flush()
      } finally {
        await recorder.stop()
      }
      const rows = await trafficRepository.range(opened.db, new Date(Date.parse('2026-12-01T12:00:30Z') - TRAFFIC_KEEP_MS - 120_000), new Date(now + 60_000))
      assert.deepEqual(rows, [
        { minute: new Date(Date.parse('2026-12-01T12:00:30Z') - TRAFFIC_KEEP_MS + 90_000), ...counts({ requests: 2 }) },
        { minute: new Date('2026-12-01T12:00:00Z'), ...counts({ originHttp: 15, originPeer: 700 }) },
        { minute: new Date('2026-12-01T12:01:00Z'), ...counts({ originPeer: 300, swarm: 4 }) }
      ])
    })

    it('writes what is left at stop, and keeps the counts of a failed flush for the next', async () => {
      const now = Date.parse('2026-12-02T13:00:00Z')
      let away = true
      // The database is away for one write.
      const db = { ...opened.db, query: async (sql: string, params?: unknown[]) => {
        if (away) {
          away = false
          throw new Error('database away')
        }
        return await opened.db.query(sql, params)
      } } as typeof opened.db
      const recorder = startTrafficRecorder({ db, log: quiet, flushIntervalMs: 3_600_000, clock: () => now })
      recorder.count('requests', 3)
      await assert.rejects(recorder.flush(), /database away/)
      recorder.count('requests', 1)
      await recorder.stop()
      await recorder.stop()
      const rows = await trafficRepository.range(opened.db, new Date(now), new Date(now + 60_000))
      assert.deepEqual(rows, [{ minute: new Date(now), ...counts({ requests: 4 }) }])
    })
  })
}
