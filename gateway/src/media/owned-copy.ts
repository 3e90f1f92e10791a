/**
 * The bytes in memory of their own. A torrent read from the database is a
 * slice of a larger buffer (a pool or a whole result), and a cached slice
 * keeps all of it alive: measured, 64 KiB per cached item, 600 MiB for an
 * origin that served 10,000 items to a seeder.
 */
export function ownedCopy (bytes: Buffer): Buffer {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return bytes
  const copy = Buffer.allocUnsafeSlow(bytes.length)
  bytes.copy(copy)
  return copy
}
