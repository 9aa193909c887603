// Defensive parsing of what arrives over HTTP before anything else looks at it: the request
// target, the Host header, and the JSON body. Every failure is a value, never a throw.
import type { IncomingMessage } from 'node:http';
import type { Result } from '../../preload/contract.js';

export const bad = (message: string): Result<never> => ({ ok: false, error: { code: 'BadRequest', message } });

/**
 * The path of an origin-form request target (`/path?query`), or null for anything else:
 * absolute-form, `//authority`, `*`, or text `new URL` cannot parse.
 */
export function parseTarget(raw: string | undefined): URL | null {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.length > 8192) return null;
  try {
    const url = new URL(raw, 'http://127.0.0.1');
    return url.host === '127.0.0.1' ? url : null;
  } catch {
    return null;
  }
}

/** Exactly one Host header (two are a request-smuggling and rebinding trick). */
export function singleHost(req: IncomingMessage): boolean {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === 'host') n++;
  return n === 1;
}

/** The nesting depth of a parsed JSON value, without recursion (so depth itself cannot overflow the stack). */
export function jsonDepth(v: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const c of Array.isArray(x) ? x : Object.values(x)) if (typeof c === 'object' && c !== null) stack.push([c, depth]);
  }
  return max;
}

export interface ParsedRequest {
  id: unknown;
  method: unknown;
  params: unknown;
}

/** Parses a request body { method, params } (and a WebSocket's { id }) or says clearly what is wrong with it. */
export function parseRequest(text: string, maxDepth = 32): ParsedRequest | Result<never> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return bad('the request body is not JSON; send {"method": "...", "params": {...}}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('method' in body)) {
    return bad('the request must be an object {"method": "...", "params": {...}}');
  }
  if (jsonDepth(body, maxDepth) > maxDepth) return bad(`the request nests deeper than ${maxDepth} levels of objects and arrays`);
  const b = body as { id?: unknown; method: unknown; params?: unknown };
  const id = typeof b.id === 'string' || typeof b.id === 'number' ? b.id : null;
  return { id, method: b.method, params: b.params ?? {} };
}
