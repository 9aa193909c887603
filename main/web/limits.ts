// The web host's bounds: what one host serves at most before it says no with a clear reason,
// so no client (or many slow ones) can exhaust it.
export interface WebLimits {
  /** request bodies and WebSocket messages */
  maxBodyBytes: number;
  /** TCP connections at once (HTTP and WebSocket) */
  maxSockets: number;
  /** WebSocket sessions at once */
  maxWebSockets: number;
  /** all headers must arrive within this */
  headersTimeoutMs: number;
  /** a whole request (headers and body) must arrive within this */
  requestTimeoutMs: number;
  /** how often Node looks for connections past those timeouts */
  timeoutCheckMs: number;
  /** nesting of a request's JSON (objects and arrays) */
  maxJsonDepth: number;
}

export const DEFAULT_LIMITS: WebLimits = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxSockets: 64,
  maxWebSockets: 16,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  timeoutCheckMs: 5_000,
  maxJsonDepth: 32,
};
