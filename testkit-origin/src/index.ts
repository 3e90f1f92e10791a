export { ADMIN_TOKEN, originBackends, publish, startOriginFixture, type OriginBackend, type OriginFixture } from './origin-fixture.ts'
