import { parseOriginConfig, startOrigin, type OriginOverrides, type RunningOrigin } from '@fedswarm/gateway'
import { pgSchemaEnv, startS3Server, tempDir, testDatabaseUrl, type S3Server, type TempDir } from '@fedswarm/testkit'

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'

/** The storage combinations every origin suite runs on: each db with a folder, and S3 once. */
export interface OriginBackend { name: string, db: 'pglite' | 'postgres', blobs: 'fs' | 's3' }

export function originBackends (): OriginBackend[] {
  const list: OriginBackend[] = [{ name: 'pglite + folder', db: 'pglite', blobs: 'fs' }, { name: 'pglite + s3', db: 'pglite', blobs: 's3' }]
  if (testDatabaseUrl !== undefined && testDatabaseUrl !== '') list.push({ name: 'postgres + folder', db: 'postgres', blobs: 'fs' })
  return list
}

export interface OriginFixture {
  origin: RunningOrigin
  url: string
  dir: TempDir
  s3?: S3Server
  env: Record<string, string>
  /** Stops the origin and starts it again on the same data, db and bucket. */
  restart (): Promise<void>
  stop (): Promise<void>
  api (path: string, init?: RequestInit & { admin?: boolean }): Promise<Response>
}

/** A real origin built through the same config parsing as `fedswarm origin`. */
export async function startOriginFixture (backend: OriginBackend = originBackends()[0]!, extraEnv: Record<string, string> = {}, overrides: OriginOverrides = {}): Promise<OriginFixture> {
  const dir = await tempDir()
  const pg = backend.db === 'postgres' ? pgSchemaEnv() : undefined
  const s3 = backend.blobs === 's3' ? await startS3Server() : undefined
  const env: Record<string, string> = {
    PORT: '0',
    FEDSWARM_DATA: dir.path,
    FEDSWARM_ADMIN_TOKEN: ADMIN_TOKEN,
    FEDSWARM_LOG_LEVEL: 'silent',
    FEDSWARM_TORRENT_PORT: '0',
    FEDSWARM_HOST: '127.0.0.1',
    ...pg?.env,
    ...s3?.env,
    ...extraEnv
  }
  let origin = await startOrigin(parseOriginConfig(env), overrides)
  const fixture: OriginFixture = {
    origin,
    url: origin.url,
    dir,
    s3,
    env,
    async restart () {
      await origin.stop()
      // Same port, so URLs in stored torrents stay right.
      origin = await startOrigin(parseOriginConfig({ ...env, PORT: String(origin.port), FEDSWARM_PUBLIC_URL: origin.url }), overrides)
      fixture.origin = origin
    },
    async stop () {
      await origin.stop()
      await s3?.stop()
      await pg?.drop()
      await dir.remove()
    },
    api (path, init = {}) {
      const headers = new Headers(init.headers)
      if (init.admin === true) headers.set('authorization', `Bearer ${ADMIN_TOKEN}`)
      return fetch(`${fixture.url}${path}`, { ...init, headers })
    }
  }
  return fixture
}

export async function publish (fixture: OriginFixture, bytes: Uint8Array<ArrayBuffer>, query = '', contentType = 'image/png'): Promise<{ status: number, manifest: Record<string, unknown> & { id: string, infoHash: string, url: string, size: number, sha256: string } }> {
  const response = await fixture.api(`/api/media${query}`, { method: 'POST', admin: true, body: bytes, headers: { 'content-type': contentType } })
  const manifest = await response.json() as never
  return { status: response.status, manifest }
}
