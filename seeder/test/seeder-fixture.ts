import { parseSeederConfig, startSeeder, type RunningSeeder, type SeederOverrides } from '@fedswarm/seeder'
import { tempDir, type TempDir } from '@fedswarm/testkit'

export interface SeederFixture {
  seeder: RunningSeeder
  url: string
  dir: TempDir
  env: Record<string, string>
  /** Stops the seeder (if running) and starts it again on the same data folder, port and URL; `changed` replaces the overrides. */
  restart (changed?: SeederOverrides): Promise<void>
  stop (): Promise<void>
  /** Stops the seeder but keeps its data folder (for restart tests). */
  halt (): Promise<void>
}

/** A real seeder in this process, through the same config parsing as `fedswarm seeder`. */
export async function startSeederFixture (origins: string[], extraEnv: Record<string, string> = {}, overrides: SeederOverrides = {}): Promise<SeederFixture> {
  const dir = await tempDir('fedswarm-seeder-')
  const env: Record<string, string> = {
    PORT: '0',
    FEDSWARM_HOST: '127.0.0.1',
    FEDSWARM_DATA: dir.path,
    FEDSWARM_TORRENT_PORT: '0',
    FEDSWARM_LOG_LEVEL: 'silent',
    FEDSWARM_ORIGINS: origins.join(','),
    ...extraEnv
  }
  let seeder = await startSeeder(parseSeederConfig(env), overrides)
  let running = true
  const fixture: SeederFixture = {
    seeder,
    url: seeder.url,
    dir,
    env,
    async restart (changed) {
      if (running) await seeder.stop()
      running = false
      if (changed !== undefined) overrides = changed
      seeder = await startSeeder(parseSeederConfig({ ...env, PORT: String(seeder.port), FEDSWARM_PUBLIC_URL: seeder.url }), overrides)
      running = true
      fixture.seeder = seeder
    },
    async halt () {
      if (running) await seeder.stop()
      running = false
    },
    async stop () {
      await fixture.halt()
      await dir.remove()
    }
  }
  return fixture
}
