export { configValues, definedOnly, parseDuration, parseEnv, parseSize } from './config-values.ts'
export { createPopularity, type Popularity } from './popularity.ts'
export { abortableSleep } from './abortable-sleep.ts'
export { createTeardown, type Teardown } from './teardown.ts'
