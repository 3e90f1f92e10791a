export { parseSeederConfig, SeederConfigError, type SeederConfig, type SeederFlags, type SeederTransport } from './config.ts'
export { SEEDER_VERSION, startSeeder, type RunningSeeder, type SeederOverrides } from './seeder.ts'
export { MAX_REFUSAL_REASON, parseRefusalHash, type RefusalHash } from './refusal-hash.ts'
