// The e2e fixtures stop every server they start, even when the browser fails to launch (a host
// left running would keep writing demo data after the run).
import { test, expect, chromium } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withWebHost } from './fixtures';
import type { WebHost } from './hosts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a browser that fails to launch leaves no web host running', async ({}, testInfo) => {
  test.skip(testInfo.project.name !== 'web', 'the web project starts the web host');
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-e2e-cleanup-'));
  let host: WebHost | undefined;
  let used = false;
  const run = withWebHost(
    join(dir, 'sandbox.sqlite'),
    [],
    () => chromium.launch({ executablePath: join(dir, 'no-such-browser') }),
    async () => {
      used = true;
    },
    (web) => (host = web),
  );
  await expect(run).rejects.toThrow(/no-such-browser|executable/i);
  expect(used).toBe(false);
  expect(host).toBeDefined();
  // it was up, and now it is gone: the process has exited and the port refuses
  expect(alive(host!.pid)).toBe(false);
  await expect(fetch(host!.url)).rejects.toThrow();
});
