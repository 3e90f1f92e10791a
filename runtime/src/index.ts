export { configValues, definedOnly, parseDuration, parseEnv, parseSize } from './config-values.ts'
export { createPopularity, type Popularity } from './popularity.ts'
