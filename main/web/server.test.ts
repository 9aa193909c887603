// The web host's guards: the token, Host/Origin checks, and clear errors for malformed requests.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeHost } from '../host/runtime-host.js';
import { Router } from '../router/router.js';
import { startWebServer, type WebServer } from './server.js';

let host: RuntimeHost;
let server: WebServer;

beforeAll(async () => {
  host = new RuntimeHost({
    version: 'test',
    hostKind: 'web',
    defaultLocation: { kind: 'uri', blob: `mem://web-${process.pid}`, consensus: `mem://web-${process.pid}` },
    defaultChosenByUser: true,
    recentsFile: null,
    demo: false,
  });
  await host.start();
  server = await startWebServer({ router: new Router(host, () => undefined), rendererDir: import.meta.dirname, port: 0 });
});

afterAll(async () => {
  await server.close();
  await host.close();
});

function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = () => ({ authorization: `Bearer ${server.token}`, 'content-type': 'application/json' });

describe('web host', () => {
  it('prints a 127.0.0.1 URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('gives nothing without the token', async () => {
    expect((await send('/')).status).toBe(401);
    expect((await send('/?token=wrong')).status).toBe(401);
    const api = await send('/api/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"method":"shards.list","params":{"location":"default"}}' });
    expect(api.status).toBe(401);
    expect(api.body).not.toContain('default');
  });

  it('trades the URL token for an HttpOnly SameSite=Strict cookie', async () => {
    const r = await send(`/?token=${server.token}`);
    expect(r.status).toBe(303);
    expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const cookie = String(r.headers['set-cookie']).split(';')[0];
    const api = await send('/api/invoke', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{"method":"shards.list","params":{"location":"default"}}' });
    expect(JSON.parse(api.body)).toEqual({ ok: true, value: [] });
  });

  it('refuses foreign Host and Origin headers', async () => {
    expect((await send('/api/invoke', { method: 'POST', headers: { ...auth(), host: 'evil.example:80' }, body: '{}' })).status).toBe(403);
    expect((await send('/api/invoke', { method: 'POST', headers: { ...auth(), origin: 'http://evil.example' }, body: '{}' })).status).toBe(403);
  });

  it('answers malformed requests with a clear { code, message }', async () => {
    const notJson = await send('/api/invoke', { method: 'POST', headers: auth(), body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toEqual({ ok: false, error: { code: 'BadRequest', message: expect.stringContaining('not JSON') } });
    const noMethod = await send('/api/invoke', { method: 'POST', headers: auth(), body: '[1,2]' });
    expect(JSON.parse(noMethod.body).error.code).toBe('BadRequest');
    const badParams = await send('/api/invoke', { method: 'POST', headers: auth(), body: '{"method":"shard.inspect","params":{"location":"default","shard":1}}' });
    expect(JSON.parse(badParams.body)).toMatchObject({ ok: false, error: { code: 'BadRequest', message: expect.stringContaining('shard') } });
    const wrongType = await send('/api/invoke', { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'text/plain' }, body: '{}' });
    expect(wrongType.status).toBe(415);
  });

  it('serves nothing outside the renderer folder', async () => {
    const r = await send('/../../package.json', { headers: auth() });
    expect(r.status).toBe(404);
    const r2 = await send('/%2e%2e/%2e%2e/package.json', { headers: auth() });
    expect(r2.status).toBe(404);
  });
});
