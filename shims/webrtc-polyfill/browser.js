export const { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate } = globalThis
export default globalThis
