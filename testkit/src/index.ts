export { dbBackends, testDatabaseUrl, type DbBackend, type OpenedDb } from './db-backends.ts'
export { startS3Server, type S3Server } from './s3-server.ts'
export { tempDir, type TempDir } from './temp-dir.ts'
