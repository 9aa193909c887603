// The renderer's own origin in Electron: app://shardscope/, served from out/renderer with the CSP
// as a header. Only regular files under that folder are served (symlinks resolved first, so none
// leads out; an undecodable path is a 404, not a throw).
import { net, protocol } from 'electron';
import { pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from './csp.js';
import { resolveStaticFile } from './static-file.js';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = 'app://shardscope';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

const notFound = () => new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

/** The app:// handler: a request → a response; exported for tests. */
export async function appResponse(rendererDir: string, request: { url: string; method?: string }): Promise<Response> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return notFound();
  }
  if (url.host !== 'shardscope') return notFound();
  if (request.method && request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed', { status: 405 });
  const found = await resolveStaticFile(rendererDir, url.pathname);
  if (!found) return notFound();
  const res = await net.fetch(pathToFileURL(found.path).toString());
  const headers = new Headers(res.headers);
  headers.set('Content-Security-Policy', contentSecurityPolicy());
  headers.set('X-Content-Type-Options', 'nosniff');
  return new Response(res.body, { status: res.status, headers });
}

export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => appResponse(rendererDir, request).catch(() => notFound()));
}
