// The web host's access rules: a random token per start, given once in the printed URL, then kept
// in an HttpOnly SameSite=Strict cookie; requests must also name this server as their Host (no DNS
// rebinding) and, when they carry an Origin, come from it (no cross-site requests).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE = 'shardscope_token';

export const newToken = (): string => randomBytes(24).toString('base64url');

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h && h.startsWith('Bearer ') ? h.slice(7) : null;
}

export class Access {
  constructor(
    readonly token: string,
    private readonly port: () => number,
  ) {}

  hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host ?? '';
    const p = this.port();
    return host === `127.0.0.1:${p}` || host === `localhost:${p}`;
  }

  originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const p = this.port();
    return origin === `http://127.0.0.1:${p}` || origin === `http://localhost:${p}`;
  }

  hasToken(req: IncomingMessage): boolean {
    const t = cookieToken(req) ?? bearerToken(req);
    return t !== null && same(t, this.token);
  }

  queryToken(url: URL): boolean {
    const t = url.searchParams.get('token');
    return t !== null && same(t, this.token);
  }

  setCookie(): string {
    return `${COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
