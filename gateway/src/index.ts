export { ConfigError, DEFAULT_MEDIA_TYPES, parseOriginConfig, type OriginConfig, type OriginFlags } from './config/origin-config.ts'
export { startOrigin, VERSION, type OriginOverrides, type RunningOrigin } from './origin.ts'
export { claimDataFolder } from './data-folder.ts'
