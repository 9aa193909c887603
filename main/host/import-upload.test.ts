// The web host's import upload: streamed to a temporary file, refused past its limit with a 413
// (the request answered, not dropped), and known afterwards only by an opaque id.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { receiveImportUpload } from './import-upload.js';
import { release, source } from './import-sources.js';

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function start(limit: number): Promise<number> {
  server = createServer((req, res) => {
    void receiveImportUpload(req, new URL(req.url!, 'http://127.0.0.1'), limit).then((r) => {
      res.writeHead(r.status, { 'Content-Type': 'application/json', ...(r.status === 413 ? { Connection: 'close' } : {}) });
      res.end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

/** Sends the body in chunks without a Content-Length (as a streamed upload may). */
function post(port: number, path: string, chunks: string[]): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('import upload', () => {
  it('keeps a file under the limit and names it by id only', async () => {
    const port = await start(1000);
    const r = await post(port, '/api/import-upload?name=' + encodeURIComponent('../../rows.jsonl'), ['["a","b",0,1]\n', '["c","d",0,1]\n']);
    expect(r.status).toBe(200);
    expect(r.body.value).toMatchObject({ name: 'rows.jsonl', bytes: 28, format: 'jsonl' });
    expect(r.body.value.id).toMatch(/^f[0-9a-f-]{36}$/);
    expect(JSON.stringify(r.body)).not.toMatch(/tmp|shardscope-import/);
    const path = source(r.body.value.id).path;
    expect(existsSync(path)).toBe(true);
    release(r.body.value.id);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a body past the limit while it streams, with a 413 that says what to do', async () => {
    const port = await start(1000);
    const r = await post(port, '/api/import-upload?name=big.csv', Array.from({ length: 20 }, () => 'x'.repeat(100)));
    expect(r.status).toBe(413);
    expect(r.body.error.message).toMatch(/larger than 1000 bytes, this host's limit for an import; import it with the CLI/);
  });

  it('refuses an unknown kind of file and a missing name', async () => {
    const port = await start(1000);
    const r = await post(port, '/api/import-upload?name=rows.xlsx', ['x']);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/cannot tell the format of rows.xlsx/);
    const n = await post(port, '/api/import-upload', ['x']);
    expect(n.body.error.message).toMatch(/name the file/);
  });
});
