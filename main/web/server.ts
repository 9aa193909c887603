// The web host: the renderer and the router on 127.0.0.1 only, HTTP for one-shot requests and a
// WebSocket (/api/ws) for requests plus push events. Nothing answers without the start's token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Result } from '../../preload/contract.js';
import { contentSecurityPolicy } from '../csp.js';
import type { Router, Session } from '../router/router.js';
import { Access, newToken } from './auth.js';
import { securityHeaders, serveStatic } from './static.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const NO_TOKEN =
  'Shardscope: no access token. Open the full URL that `npm run serve` printed (it ends in ?token=…).\n';

function sendJson(res: ServerResponse, status: number, body: unknown, csp: string): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders(csp) });
  res.end(data);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const bad = (message: string): Result<never> => ({ ok: false, error: { code: 'BadRequest', message } });

/** Parses a request body { method, params } or says clearly what is wrong with it. */
export function parseRequest(text: string): { method: unknown; params: unknown } | Result<never> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return bad('the request body is not JSON; send {"method": "...", "params": {...}}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('method' in body)) {
    return bad('the request must be an object {"method": "...", "params": {...}}');
  }
  const b = body as { method: unknown; params?: unknown };
  return { method: b.method, params: b.params ?? {} };
}

export async function startWebServer(opts: { router: Router; rendererDir: string; port: number }): Promise<WebServer> {
  const { router } = opts;
  let port = opts.port;
  const access = new Access(newToken(), () => port);
  const csp = () => contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);
  const oneShot: Session = { send: () => undefined, canPush: false };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!access.hostAllowed(req) || !access.originAllowed(req)) {
        res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('forbidden: wrong Host or Origin\n');
        return;
      }
      if (req.method === 'GET' && access.queryToken(url)) {
        // Trade the token in the URL for a cookie, and drop it from the address bar.
        res.writeHead(303, { 'Set-Cookie': access.setCookie(), Location: '/', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
        res.end();
        return;
      }
      if (!access.hasToken(req)) {
        res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders(csp()) });
        res.end(NO_TOKEN);
        return;
      }
      if (url.pathname === '/api/invoke') {
        if (req.method !== 'POST') return sendJson(res, 405, bad('use POST with a JSON body'), csp());
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
          return sendJson(res, 415, bad('send Content-Type: application/json'), csp());
        }
        let text: string;
        try {
          text = await readBody(req);
        } catch {
          return sendJson(res, 413, bad(`the request body is larger than ${MAX_BODY_BYTES} bytes`), csp());
        }
        const parsed = parseRequest(text);
        if ('ok' in parsed) return sendJson(res, 400, parsed, csp());
        const result = await router.invoke(oneShot, parsed.method, parsed.params);
        return sendJson(res, 200, result, csp());
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, bad('method not allowed'), csp());
      await serveStatic(opts.rendererDir, url.pathname, res, csp());
    })().catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'Internal', message: String(e) } }, csp());
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api/ws' || !access.hostAllowed(req) || !access.originAllowed(req) || !access.hasToken(req)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
  });

  function onSocket(ws: WebSocket): void {
    const session: Session = {
      send: (e) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(e));
      },
    };
    ws.on('message', (data) => {
      let id: unknown = null;
      void (async () => {
        const parsed = parseRequest(data.toString());
        if ('ok' in parsed) return ws.send(JSON.stringify({ id, result: parsed }));
        id = (JSON.parse(data.toString()) as { id?: unknown }).id ?? null;
        const result = await router.invoke(session, parsed.method, parsed.params);
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
      })();
    });
    ws.on('close', () => router.closeSession(session));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${access.token}`,
    port,
    token: access.token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
