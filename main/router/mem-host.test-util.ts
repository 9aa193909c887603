// The host the router tests run against: a RuntimeHost over a fresh in-memory location (the real
// engine), as the web host builds one, with compaction off unless a test turns it on.
import { afterEach, beforeEach } from 'vitest';
import type { Result } from '../../preload/contract.js';
import { tempDir } from '../../engine/testing/util.js';
import { RuntimeHost } from '../host/runtime-host.js';
import { Router, type Session } from './router.js';

type HostOptions = ConstructorParameters<typeof RuntimeHost>[0];

let n = 0;

export function memHost(prefix: string, options: Partial<HostOptions> = {}): RuntimeHost {
  const name = `${prefix}-${process.pid}-${n++}`;
  return new RuntimeHost({
    version: 'test',
    hostKind: 'web',
    defaultLocation: { kind: 'uri', blob: `mem://${name}`, consensus: `mem://${name}` },
    defaultChosenByUser: true,
    recentsFile: null,
    demo: false,
    engineConfig: { compactionEnabled: false },
    ...options,
  });
}

/** A call's value, or the test fails with the router's error code and message. */
export async function ok<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

export interface RouterEnv {
  host: RuntimeHost;
  router: Router;
  session: Session;
  dir: { dir: string; cleanup: () => void };
}

/** Before each test: a started mem host, a router over it, a session and a temporary folder; all closed after it. */
export function useRouterOnMemHost(prefix: string, set: (env: RouterEnv) => void): void {
  let env: RouterEnv;
  beforeEach(async () => {
    const host = memHost(prefix);
    await host.start();
    env = { host, router: new Router(host, () => undefined), session: { send: () => undefined }, dir: tempDir() };
    set(env);
  });
  afterEach(async () => {
    env.router.closeAll();
    await env.host.close();
    env.dir.cleanup();
  });
}
