// bittorrent-tracker's Server, driven by hand (no listening socket of its
// own) and closed over the allowlist where its stock behaviour falls short:
// - createSwarm: an announce that passed the filter just before remove()
//   would otherwise recreate the removed swarm a tick later (server.js
//   `_onAnnounce` → getOrCreateSwarm runs after process.nextTick);
// - _onScrape (WebSocket scrapes; HTTP ones are ours): the stock one lists
//   every swarm when no info_hash is given and reports unknown hashes as
//   zeros; here the tracker's own scrape answers (both transports' peers);
// - _onWebSocketRequest: messages are validated first (parse-ws-message.ts).
// - createSwarm: each swarm hands out only the peers `canHandOut` accepts
//   (peer-policy.ts), in HTTP peer lists and as receivers of WebRTC offers.
// - _onAnnounce, _onWebSocketClose: with a signal bridge (signal-bridge.ts),
//   WebSocket swarms are shared with other origin processes.
// dropSwarm() frees a swarm: the stock server never drops one.

import { Server, type AnnounceFilter, type AnnounceParams, type AnnounceResponse, type ScrapeFile, type ScrapeParams, type ScrapeResponse, type ServerOptions, type Swarm, type SwarmCallback, type TrackerWebSocket } from 'bittorrent-tracker'
import type { SwarmCounts } from './swarm-store.ts'
import { MalformedMessageError } from './errors.ts'
import type { HandOutFilter } from './peer-policy.ts'
import { validateWebSocketMessage } from './parse-ws-message.ts'
import type { SignalBridge } from './signal-bridge.ts'

/** lib/common-node.js ACTIONS.SCRAPE */
const ACTION_SCRAPE = 2

export interface AllowlistServerHooks {
  filter: AnnounceFilter
  /** Null when a swarm may exist for the hash, else the refusal to answer with. */
  refuseSwarm (infoHash: string): Error | null
  /** Counts of the allowed ones among these info hashes. */
  scrape (infoHashes: string[]): Promise<Map<string, SwarmCounts>>
  canHandOut: HandOutFilter
  onMalformedMessage (err: MalformedMessageError, socket: TrackerWebSocket): void
}

export interface AllowlistServer {
  readonly server: Server
  dropSwarm (infoHash: string): boolean
  /** Shares the WebSocket swarms with other processes from now on. */
  bridge (bridge: SignalBridge): void
}

export function createAllowlistServer (options: Omit<ServerOptions, 'filter'>, hooks: AllowlistServerHooks): AllowlistServer {
  const server = new AllowlistTrackerServer({ ...options, filter: hooks.filter }, hooks)
  return {
    server,
    dropSwarm (infoHash) {
      const swarm = server.torrents[infoHash]
      if (swarm === undefined) return false
      delete server.torrents[infoHash]
      emptySwarm(swarm)
      return true
    },
    bridge (bridge) { server.bridge = bridge }
  }
}

/**
 * Swarm `_getPeers` (lib/server/swarm.js) picks up to `numwant` peers in
 * random order, of the announcer's transport, never the announcer itself;
 * both transports' answers and the WebRTC offer relay use it. Here it picks
 * among all of them, then keeps the first `numwant` that may be handed out.
 */
function restrictHandOut (swarm: Swarm, canHandOut: HandOutFilter): void {
  const pick = swarm._getPeers.bind(swarm)
  swarm._getPeers = (numwant, ownPeerId, isWebRTC) => {
    const out = []
    for (const peer of pick(Number.POSITIVE_INFINITY, ownPeerId, isWebRTC)) {
      if (out.length >= numwant) break
      if (canHandOut(peer)) out.push(peer)
    }
    return out
  }
}

function emptySwarm (swarm: Swarm): void {
  // No 'evict' bookkeeping: the swarm is gone, its counters with it.
  swarm.peers.removeAllListeners('evict')
  swarm.peers.clear()
  swarm.complete = 0
  swarm.incomplete = 0
}

class AllowlistTrackerServer extends Server {
  readonly #hooks: AllowlistServerHooks
  bridge: SignalBridge | undefined

  constructor (options: ServerOptions, hooks: AllowlistServerHooks) {
    super(options)
    this.#hooks = hooks
  }

  override createSwarm (infoHash: string, cb: SwarmCallback): void {
    const refusal = this.#hooks.refuseSwarm(infoHash)
    if (refusal !== null) {
      process.nextTick(cb, refusal)
      return
    }
    super.createSwarm(infoHash, (err, swarm) => {
      if (swarm !== undefined) restrictHandOut(swarm, this.#hooks.canHandOut)
      cb(err, swarm)
    })
  }

  protected override _onAnnounce (params: AnnounceParams, cb: (err: Error | null, response?: AnnounceResponse) => void): void {
    const bridge = this.bridge
    if (bridge === undefined || params.type !== 'ws') {
      super._onAnnounce(params, cb)
      return
    }
    super._onAnnounce(params, (err, response) => {
      if (err !== null) cb(err)
      else bridge.afterAnnounce(params, response!, cb)
    })
  }

  protected override _onWebSocketClose (socket: TrackerWebSocket): void {
    this.bridge?.onClose(socket)
    super._onWebSocketClose(socket)
  }

  protected override _onScrape (params: ScrapeParams, cb: (err: Error | null, response?: ScrapeResponse) => void): void {
    // WebSocket replies are JSON: keyed by the info hash as a binary string.
    this.#hooks.scrape(params.info_hash ?? []).then((counts) => {
      const files: Record<string, ScrapeFile> = {}
      // `downloaded` is a lower bound, as in the stock server: completions are not counted.
      for (const [infoHash, { complete, incomplete }] of counts) files[Buffer.from(infoHash, 'hex').toString('latin1')] = { complete, incomplete, downloaded: complete }
      cb(null, { action: ACTION_SCRAPE, files, flags: { min_request_interval: Math.ceil(this.intervalMs / 1000) } })
    }, (err: unknown) => { cb(err as Error) })
  }

  protected override _onWebSocketRequest (socket: TrackerWebSocket, opts: object, raw: unknown): void {
    let text: string
    try {
      text = validateWebSocketMessage(raw)
    } catch (err) {
      if (!(err instanceof MalformedMessageError)) throw err
      this.#hooks.onMalformedMessage(err, socket)
      socket.send(JSON.stringify({
        ...(err.action === null ? {} : { action: err.action }),
        ...(err.infoHash === null ? {} : { info_hash: err.infoHash }),
        'failure reason': err.message
      }), socket.onSend)
      return
    }
    super._onWebSocketRequest(socket, opts, text)
  }
}
