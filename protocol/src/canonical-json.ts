import canonicalize from 'canonicalize'

/** RFC 8785 JSON Canonicalization Scheme: the bytes every signature covers. */
export function canonicalJson (value: unknown): string {
  const text = canonicalize(value)
  if (text === undefined) throw new TypeError('value has no JSON form')
  return text
}
