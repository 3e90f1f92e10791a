import { createRequire } from 'node:module'

// @roamhq/wrtc (a native addon, CommonJS) is loaded on the first WebRTC
// object made, not when webtorrent is imported: a server with WebRTC off
// (the default) never pays for it. The stand-ins construct the real classes,
// so `new RTCPeerConnection(config)` returns a real wrtc RTCPeerConnection.
const require = createRequire(import.meta.url)
let wrtc
const load = () => (wrtc ??= require('@roamhq/wrtc'))

const lazyClass = (name) => new Proxy(function () {}, {
  construct: (_target, args) => Reflect.construct(load()[name], args),
  apply: (_target, thisArg, args) => Reflect.apply(load()[name], thisArg, args),
  get: (_target, key) => Reflect.get(load()[name], key)
})

export const RTCPeerConnection = lazyClass('RTCPeerConnection')
export const RTCSessionDescription = lazyClass('RTCSessionDescription')
export const RTCIceCandidate = lazyClass('RTCIceCandidate')
export default { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate }
