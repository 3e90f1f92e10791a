import { open, realpath, stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { fileTypeFromBuffer } from 'file-type'
import { ulid } from 'ulid'
import { buildManifest, digestMultibase, MAX_EVENT_TORRENT_LENGTH, pieceLengthFor, sha256Base64url, type HotEvent, type Manifest, type OriginUrls } from '@fedswarm/protocol'
import { BlobNotFoundError, InvalidBlobKeyError, type BlobStore, type Db, type Queryable } from '@fedswarm/storage'
import { HttpError } from '../errors.ts'
import { ingestStream, type IngestedFile } from './ingest.ts'
import { mediaRepository, OWN_BLOB_PREFIX, type MediaItem } from './media-repository.ts'
import { buildTorrent } from './torrent-builder.ts'
import { ownedCopy } from './owned-copy.ts'

/** A `hot` event before the log gives it its seq and time. */
type NewHotEvent = Omit<HotEvent, 'seq' | 'at'>

/** What the service needs of the event log: an append inside its transaction, and a wake-up once that committed. */
export interface HotEvents {
  append (tx: Queryable, event: NewHotEvent): Promise<unknown>
  committed (): void
}

export interface MediaServiceOptions {
  db: Db
  blobs: BlobStore
  urls: OriginUrls
  tmpDir: string
  maxMediaSize: number
  mediaTypes: string[]
  importRoot?: string
  /** Where becoming hot is recorded, once per item, in the same transaction as the item's change (the event log). */
  events: HotEvents
  /** Told of every item that becomes live or hot (tracker allowlist, origin seeding). */
  onLive (item: MediaItem): void
  onHot (item: MediaItem): void
  /** The verified mirrors of an item, for its manifest. */
  mirrors (infoHash: string): string[]
}

export interface PublishResult {
  created: boolean
  item: MediaItem
}

export interface MediaService {
  publish (body: Readable, declaredType: string, hot: boolean): Promise<PublishResult>
  importFile (path: string, hot: boolean): Promise<PublishResult>
  importObject (key: string, hot: boolean): Promise<PublishResult>
  /**
   * Makes an item of bytes that stay where they are: `blobKey`, an object of
   * the server the drop-in front serves. `file` (a copy of them, read to
   * hash them and make the torrent) is left in place for the caller.
   */
  adopt (file: IngestedFile, blobKey: string): Promise<PublishResult>
  /** A live item, or HttpError media_not_found / media_deleted. */
  live (id: string): Promise<MediaItem>
  manifest (item: MediaItem): Manifest
  /** Makes a live item hot: one `hot` event and one `onHot`, however many callers and processes race. */
  markHot (item: MediaItem): Promise<void>
  /** Drops the cached copy of an item (it was deleted, maybe by another process). */
  evict (id: string): void
  /** At start: removes the blobs of uploads a crash cut short between the store and the commit; resolves with their keys. */
  sweepInterrupted (): Promise<string[]>
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

export function assertMediaId (id: string): void {
  if (!ULID.test(id)) throw new HttpError('invalid_id')
}

/**
 * Publishing and looking up media: validation of the bytes, dedup by
 * sha256, tombstones, torrent making and storage, in that order.
 */
export function createMediaService (options: MediaServiceOptions): MediaService {
  const { db, blobs, urls } = options
  const allowed = new Set(options.mediaTypes)
  // Live items are immutable, so they are cached by id; deletion evicts them.
  const cache = new Map<string, MediaItem>()
  const CACHE_LIMIT = 10_000
  const becomingHot = new Map<string, Promise<void>>()

  function remember (item: MediaItem): MediaItem {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!)
    const kept = { ...item, torrent: ownedCopy(item.torrent) }
    cache.set(item.id, kept)
    return kept
  }

  async function mediaTypeOf (file: IngestedFile, declared: string): Promise<string> {
    // The bytes decide, not the header: a PNG declared as video/mp4 is stored as image/png,
    // and bytes that are no known media format are refused even if the header says image/png.
    const detected = await fileTypeFromBuffer(file.head)
    if (detected === undefined) {
      throw new HttpError('unsupported_media_type', `the bytes are not a recognised media format (declared ${declared || 'nothing'})`)
    }
    if (!allowed.has(detected.mime)) {
      throw new HttpError('unsupported_media_type', `${detected.mime} is not accepted by this origin (FEDSWARM_MEDIA_TYPES)`)
    }
    return detected.mime
  }

  /** `storedAt`: the bytes already are in the store under that key (adopt): nothing is copied, nor ever deleted. */
  async function store (file: IngestedFile, declaredType: string, hot: boolean, storedAt?: string): Promise<PublishResult> {
    try {
      const mediaType = await mediaTypeOf(file, declaredType)
      const sha256 = sha256Base64url(file.sha256)
      if (await mediaRepository.isTombstoned(db, sha256)) throw tombstoned()
      const existing = await mediaRepository.liveBySha256(db, sha256)
      if (existing !== undefined) return { created: false, item: await hotIf(existing, hot) }

      const id = ulid()
      const pieceLength = pieceLengthFor(file.size)
      const { torrent, infoHash } = await buildTorrent(file.path, {
        name: id, pieceLength, announce: [urls.httpAnnounce, urls.wsAnnounce], webSeeds: [urls.media(id)]
      })
      const own = storedAt === undefined
      const blobKey = storedAt ?? `${OWN_BLOB_PREFIX}${id}`
      const dropBlobIfOwn = (): Promise<void> => own ? dropBlob(blobKey) : Promise.resolve()
      if (own) {
        // Pending until the item's row commits: a crash in between leaves a blob no item owns, which the next start removes.
        await mediaRepository.addPendingBlob(db, blobKey)
        await blobs.putFile(blobKey, file.path, mediaType).catch(async (err: unknown) => {
          await dropBlob(blobKey).catch(() => {})
          throw err
        })
      }
      const fields = { id, sha256, digestMultibase: digestMultibase(file.sha256), infoHash, mediaType, size: file.size, pieceLength, torrent, blobKey }
      const inserted = await db.transaction(async (tx) => {
        // Checked again under the lock a deletion of these bytes takes: one that committed meanwhile wins.
        await mediaRepository.lockSha256(tx, sha256)
        if (await mediaRepository.isTombstoned(tx, sha256)) throw tombstoned()
        if (!await mediaRepository.insert(tx, { ...fields, hot })) return undefined
        if (own && !await mediaRepository.removePendingBlob(tx, blobKey)) {
          throw new HttpError('storage_unavailable', 'the upload was cut short by another origin process starting: send it again')
        }
        const item = (await mediaRepository.byId(tx, id))!
        if (hot) await options.events.append(tx, hotEvent(item))
        return item
      }).catch(async (err: unknown) => {
        await dropBlobIfOwn().catch(() => {})
        throw err
      })
      if (inserted === undefined) {
        // The same bytes were published concurrently: keep theirs.
        await dropBlobIfOwn()
        const winner = await mediaRepository.liveBySha256(db, sha256)
        if (winner === undefined) throw new HttpError('media_deleted')
        return { created: false, item: await hotIf(winner, hot) }
      }
      const item = remember(inserted)
      if (hot) options.events.committed()
      options.onLive(item)
      if (hot) options.onHot(item)
      return { created: true, item }
    } finally {
      await file.discard()
    }
  }

  async function hotIf (item: MediaItem, hot: boolean): Promise<MediaItem> {
    if (!hot || item.hotAt !== null) return item
    await service.markHot(item)
    return (await mediaRepository.byId(db, item.id))!
  }

  const service: MediaService = {
    async publish (body, declaredType, hot) {
      const type = declaredType.split(';')[0]!.trim().toLowerCase()
      // A declared type outside the allowlist is refused before a byte is stored.
      if (type !== '' && type !== 'application/octet-stream' && !allowed.has(type)) {
        body.resume()
        throw new HttpError('unsupported_media_type', `${type} is not accepted by this origin (FEDSWARM_MEDIA_TYPES)`)
      }
      const file = await ingestStream(body, options.tmpDir, options.maxMediaSize)
      return store(file, type, hot)
    },

    async importFile (path, hot) {
      if (options.importRoot === undefined) throw new HttpError('import_disabled', 'file import is off: set FEDSWARM_IMPORT_ROOT')
      const source = await resolveUnderRoot(options.importRoot, path)
      const handle = await open(source, 'r')
      const file = await ingestStream(handle.createReadStream(), options.tmpDir, options.maxMediaSize)
      return store(file, '', hot)
    },

    adopt: (file, blobKey) => store({ ...file, discard: () => Promise.resolve() }, '', false, blobKey),

    async importObject (key, hot) {
      if (blobs.kind !== 's3') throw new HttpError('import_disabled', 'S3 import is off: set S3_BUCKET')
      let body: Readable
      try {
        body = await blobs.read(key)
      } catch (err) {
        if (err instanceof BlobNotFoundError) throw new HttpError('import_source_missing', `no object at key ${JSON.stringify(key)}`)
        if (err instanceof InvalidBlobKeyError) throw new HttpError('invalid_body', err.message)
        throw err
      }
      const file = await ingestStream(body, options.tmpDir, options.maxMediaSize)
      return store(file, '', hot)
    },

    async live (id) {
      assertMediaId(id)
      const item = cache.get(id) ?? await mediaRepository.byId(db, id)
      if (item === undefined) throw new HttpError('media_not_found')
      if (item.deletedAt !== null) throw new HttpError('media_deleted')
      return cache.has(id) ? item : remember(item)
    },

    manifest: (item) => buildManifest(item, urls, options.mirrors(item.infoHash)),

    markHot (item) {
      if (item.hotAt !== null) return Promise.resolve()
      let pending = becomingHot.get(item.id)
      if (pending === undefined) {
        pending = makeHot(item).finally(() => becomingHot.delete(item.id))
        becomingHot.set(item.id, pending)
      }
      return pending
    },

    evict (id) {
      cache.delete(id)
    },

    async sweepInterrupted () {
      const keys = await mediaRepository.pendingBlobs(db)
      for (const blobKey of keys) await dropBlob(blobKey)
      return keys
    }
  }

  /** Removes a blob no item owns (a failed or interrupted upload), then its pending row: a crash in between only repeats it. */
  async function dropBlob (blobKey: string): Promise<void> {
    await blobs.delete(blobKey)
    await mediaRepository.removePendingBlob(db, blobKey)
  }

  /** The torrent goes with the manifest, so that seeders need not all ask for it at once. */
  function hotEvent (item: MediaItem): NewHotEvent {
    const torrent = item.torrent.toString('base64')
    return { type: 'hot', manifest: buildManifest(item, urls), ...torrent.length <= MAX_EVENT_TORRENT_LENGTH ? { torrent } : {} }
  }

  async function makeHot (item: MediaItem): Promise<void> {
    const madeHot = await db.transaction(async (tx) => {
      if (!await mediaRepository.markHot(tx, item.id)) return false
      await options.events.append(tx, hotEvent(item))
      return true
    })
    cache.delete(item.id)
    if (!madeHot) return
    options.events.committed()
    options.onHot(item)
  }
  return service
}

function tombstoned (): HttpError {
  return new HttpError('media_deleted', 'these bytes were deleted by the origin and cannot be published again')
}

/**
 * Resolves `path` (relative to the root, or absolute inside it) to a regular
 * file whose real path, after symlinks, is still under the root.
 */
async function resolveUnderRoot (root: string, path: string): Promise<string> {
  const realRoot = await realpath(root).catch(() => {
    throw new HttpError('import_disabled', 'FEDSWARM_IMPORT_ROOT does not exist')
  })
  const candidate = isAbsolute(path) ? resolve(path) : resolve(realRoot, path)
  if (!isInside(candidate, realRoot) && !isInside(candidate, resolve(root))) throw new HttpError('import_forbidden_path')
  let real: string
  try {
    real = await realpath(candidate)
  } catch {
    throw new HttpError('import_source_missing', 'no file at that path')
  }
  if (!isInside(real, realRoot)) throw new HttpError('import_forbidden_path')
  const info = await stat(real)
  if (!info.isFile()) throw new HttpError('import_source_missing', 'not a regular file')
  return real
}

function isInside (path: string, base: string): boolean {
  const rel = relative(base, path)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
}

