import { fileTypeFromBuffer } from 'file-type'

/** Leading bytes enough for file-type to recognise every format it knows (as ingest.ts keeps). */
export const SNIFF_LENGTH = 4100

/** How the front sends an object: its media type, and whether only as a download. */
export interface ServedType {
  mediaType: string
  /** `Content-Disposition: attachment`: the bytes are no allowed media type. */
  attachment: boolean
}

/**
 * The type the bytes are, never the one the store or a name claims: an
 * allowed media type (image, video, audio, never SVG) as itself; anything
 * else (HTML, SVG, scripts, archives, unknown) as an
 * `application/octet-stream` download, so no browser runs it as a page.
 */
export async function servedType (head: Uint8Array, allowed: ReadonlySet<string>): Promise<ServedType> {
  const detected = head.length === 0 ? undefined : await fileTypeFromBuffer(head)
  if (detected !== undefined && allowed.has(detected.mime)) return { mediaType: detected.mime, attachment: false }
  return { mediaType: 'application/octet-stream', attachment: true }
}
