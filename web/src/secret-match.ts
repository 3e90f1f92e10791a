import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * A constant-time check of presented secrets against `secret` (the admin
 * token, the cache buster's secret): both sides are hashed first, so
 * neither the content nor the length of the secret shows in the timing.
 */
export function secretMatcher (secret: string): (presented: string) => boolean {
  const expected = digest(secret)
  return (presented) => timingSafeEqual(digest(presented), expected)
}

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
