export { answerClientError } from './client-error.ts'
export { decideRange, type RangeDecision } from './http-range.ts'
export { listenHttp, type HttpServer, type HttpServerOptions } from './http-server.ts'
export { SAFE_MEDIA_HEADERS, sendRepresentation, type ByteRange, type Representation } from './media-response.ts'
