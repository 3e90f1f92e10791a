export { createClient, fetchMedia, fetchMediaStream } from './client.ts'
export { DEFAULT_HEAD_START_MS, DEFAULT_MAX_SHARED, DEFAULT_SWARM_THRESHOLD } from './defaults.ts'
export { checkManifest } from './manifest.ts'
export {
  FedswarmError, NotFoundError, DeletedError, IntegrityError, TimeoutError, AbortError, UnavailableError, ManifestError,
  type FedswarmErrorCode
} from './errors.ts'
export type {
  ClientOptions, FedswarmClient, FetchOptions, FetchProgress, FetchReport, FetchResult, Manifest, MediaByteStream, MediaSource, StreamResult
} from './types.ts'
