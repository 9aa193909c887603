// The web host: the renderer and the router on 127.0.0.1 only, HTTP for one-shot requests and a
// WebSocket (/api/ws) for requests plus push events. Nothing answers without the start's token.
// Every request is parsed defensively before anything else (target, Host, size), every async path
// ends in a response, and the host bounds its sockets and timeouts so no client can stop it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { redactSecrets } from '../../engine/index.js';
import { contentSecurityPolicy } from '../csp.js';
import type { Router, Session } from '../router/router.js';
import { Access, newToken } from './auth.js';
import { DEFAULT_LIMITS, type WebLimits } from './limits.js';
import { bad, parseRequest, parseTarget, singleHost } from './request.js';
import { securityHeaders, serveStatic } from './static.js';
import { receiveImportUpload } from '../host/import-upload.js';

export { parseRequest } from './request.js';

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const NO_TOKEN =
  'Shardscope: no access token. Open the full URL that `npm run serve` printed (it ends in ?token=…).\n';

function sendJson(res: ServerResponse, status: number, body: unknown, csp: string, extra: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders(csp), ...extra });
  res.end(data);
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(text);
}

/** A raw HTTP response on a socket that never became a request/response pair (upgrades, refusals). */
function refuseSocket(socket: Duplex, status: string, text: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  // A client that does not read its answer must not hold the socket open.
  setTimeout(() => socket.destroy(), 2000).unref();
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        // Stop keeping the body; Node discards the rest once the 413 is sent.
        req.off('data', onData);
        chunks.length = 0;
        reject(new TooLarge());
      } else chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startWebServer(opts: {
  router: Router;
  rendererDir: string;
  port: number;
  limits?: Partial<WebLimits>;
  log?: (msg: string, e?: unknown) => void;
}): Promise<WebServer> {
  const { router } = opts;
  const limits: WebLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = opts.log ?? ((m: string, e?: unknown) => console.error(m, e === undefined ? '' : redactSecrets(String(e))));
  let port = opts.port;
  const access = new Access(newToken(), () => port);
  const csp = () => contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);
  const oneShot: Session = { send: () => undefined, canPush: false };
  const tooLarge = `the request body is larger than ${limits.maxBodyBytes} bytes; send less per request`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseTarget(req.url);
    if (!url) return sendText(res, 400, 'bad request: the request target must be a path such as /index.html\n', { Connection: 'close' });
    if (!singleHost(req)) return sendText(res, 400, 'bad request: exactly one Host header\n', { Connection: 'close' });
    if (!access.hostAllowed(req) || !access.originAllowed(req)) return sendText(res, 403, 'forbidden: wrong Host or Origin\n');
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
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > limits.maxBodyBytes) return sendJson(res, 413, bad(tooLarge), csp(), { Connection: 'close' });
      let text: string;
      try {
        text = await readBody(req, limits.maxBodyBytes);
      } catch (e) {
        if (e instanceof TooLarge) return sendJson(res, 413, bad(tooLarge), csp(), { Connection: 'close' });
        throw e;
      }
      const parsed = parseRequest(text, limits.maxJsonDepth);
      if ('ok' in parsed) return sendJson(res, 400, parsed, csp());
      const result = await router.invoke(oneShot, parsed.method, parsed.params);
      return sendJson(res, 200, result, csp());
    }
    if (url.pathname === '/api/import-upload') {
      const r = await receiveImportUpload(req, url);
      return sendJson(res, r.status, r.body, csp(), r.status === 413 ? { Connection: 'close' } : {});
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, bad('method not allowed'), csp());
    await serveStatic(opts.rendererDir, url.pathname, res, csp());
  }

  const server = createServer(
    { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.timeoutCheckMs }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      log('[web] request failed', e);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'Internal', message: 'internal error; see the host\'s log' } }, csp());
      else res.destroy();
    });
  });
  // Unparseable requests (bad method, malformed headers, oversized header block): a 400, then close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    refuseSocket(socket, status, `bad request: ${status.slice(4).toLowerCase()}\n`);
  });

  let sockets = 0;
  server.on('connection', (socket: Socket) => {
    if (sockets >= limits.maxSockets) {
      refuseSocket(socket, '503 Service Unavailable', `too many connections to this host (${limits.maxSockets}); close other tabs or clients and retry\n`);
      return;
    }
    sockets++;
    socket.once('close', () => sockets--);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxBodyBytes });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      const url = parseTarget(req.url);
      if (!url || !singleHost(req)) return refuseSocket(socket, '400 Bad Request', 'bad request\n');
      if (url.pathname !== '/api/ws' || !access.hostAllowed(req) || !access.originAllowed(req) || !access.hasToken(req)) {
        return refuseSocket(socket, '401 Unauthorized', 'unauthorized\n');
      }
      if (wss.clients.size >= limits.maxWebSockets) {
        return refuseSocket(socket, '503 Service Unavailable', `too many WebSocket sessions (${limits.maxWebSockets}); close other tabs\n`);
      }
      socket.on('error', () => socket.destroy());
      wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
    } catch (e) {
      log('[web] upgrade failed', e);
      refuseSocket(socket, '400 Bad Request', 'bad request\n');
    }
  });

  function onSocket(ws: WebSocket): void {
    const session: Session = {
      send: (e) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(e));
      },
    };
    const reply = (id: unknown, result: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
    };
    ws.on('error', (e) => log('[web] socket error', e));
    ws.on('message', (data) => {
      let id: unknown = null;
      (async () => {
        const parsed = parseRequest(String(data), limits.maxJsonDepth);
        if ('ok' in parsed) return reply(id, parsed);
        id = parsed.id;
        reply(id, await router.invoke(session, parsed.method, parsed.params));
      })().catch((e: unknown) => {
        log('[web] socket request failed', e);
        reply(id, { ok: false, error: { code: 'Internal', message: 'internal error; see the host\'s log' } });
      });
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
