/** Items of this size or more go through the swarm unless `swarm: false` (1 MiB). */
export const DEFAULT_SWARM_THRESHOLD = 1024 * 1024
/** How long the swarm may go without a byte before HTTP steps in (ms). */
export const DEFAULT_HEAD_START_MS = 1000
/** Items a sharing client keeps seeding. */
export const DEFAULT_MAX_SHARED = 10
