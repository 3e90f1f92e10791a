import { accepts, type SeederAcceptance, type SeederDomain } from '../seeders/instance-registry.ts'

/**
 * FEDSWARM_REDIRECT_TO: the seeders plain fetchers may be redirected to.
 * A plain fetcher checks nothing it is sent, and a mirror can tell the
 * origin's checks from fetchers by their address, so a redirect trusts the
 * mirror's operator, not only its checked copies: the admin names them.
 * `any-accepted`: every seeder FEDSWARM_ACCEPT_SEEDERS lets in (private
 * networks, tests); a list of domains (`host` or `host:port`, matched as
 * FEDSWARM_ACCEPT_SEEDERS matches them); the empty list, the default: none.
 */
export type RedirectTargets = 'any-accepted' | SeederDomain[]

/** Whether the seeder at `publicUrl` may receive redirects: accepted now, and named (or `any-accepted`). */
export function isRedirectTarget (targets: RedirectTargets, accept: SeederAcceptance, publicUrl: string): boolean {
  return accepts(accept, publicUrl) && (targets === 'any-accepted' || accepts(targets, publicUrl))
}
