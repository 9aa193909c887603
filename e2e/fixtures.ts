// One fixture, either host: `app.page` is the app's window — a Chromium page on the web host
// (project `web`) or the Electron window of the built app (project `electron`).
import { test as base, expect, _electron, chromium, type Browser, type ElectronApplication, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appRoot, electronBinary, startWebHost, type WebHost } from './hosts';

export interface AppUnderTest {
  kind: 'web' | 'electron';
  page: Page;
  /** a request straight to the router, as the page could send it (bypassing the UI) */
  rawInvoke(method: unknown, params: unknown): Promise<unknown>;
  /** a screenshot kept as an artifact (test-results/screenshots/<project>/<name>.png) */
  shot(name: string): Promise<void>;
  web?: WebHost;
  /** the default location's SQLite file, for checks through the engine's CLI (not the UI) */
  sandboxFile: string;
}

type Worker = { host: { kind: 'web'; web: WebHost; browser: Browser } | { kind: 'electron'; electron: ElectronApplication; sandboxFile: string } | { kind: 'skip'; reason: string } };

let printedSkip = false;

/**
 * Starts the web host, then the browser, and stops the host whatever happens next: a browser that
 * fails to launch (or a run that fails) must not leave it running, and writing demo data, after
 * the run. `started` sees the host as soon as it is up (the cleanup spec checks it is gone).
 */
export async function withWebHost(
  sandboxFile: string,
  args: string[],
  launch: () => Promise<Browser>,
  use: (web: WebHost, browser: Browser) => Promise<void>,
  started?: (web: WebHost) => void,
): Promise<void> {
  const web = await startWebHost(sandboxFile, args);
  started?.(web);
  let browser: Browser | undefined;
  try {
    browser = await launch();
    await use(web, browser);
  } finally {
    await browser?.close().catch(() => undefined);
    await web.stop();
  }
}

export const test = base.extend<{ app: AppUnderTest }, Worker>({
  host: [
    async ({}, use, workerInfo) => {
      const dir = mkdtempSync(join(tmpdir(), `shardscope-e2e-${workerInfo.project.name}-`));
      if (workerInfo.project.name === 'electron') {
        const bin = electronBinary();
        if ('reason' in bin) {
          await use({ kind: 'skip', reason: bin.reason });
          return;
        }
        const electron = await _electron.launch({
          executablePath: bin.path,
          args: [appRoot],
          env: { ...process.env, SHARDSCOPE_USER_DATA: dir } as Record<string, string>,
        });
        try {
          await use({ kind: 'electron', electron, sandboxFile: join(dir, 'sandbox.sqlite') });
        } finally {
          await electron.close();
        }
        return;
      }
      // The specs open and create sandboxes in fresh temporary folders (and copy shards there):
      // the web host allows that only when told to.
      await withWebHost(
        join(dir, 'sandbox.sqlite'),
        ['--allow-dir', tmpdir(), '--allow-create'],
        () => chromium.launch(workerInfo.project.use.launchOptions),
        (web, browser) => use({ kind: 'web', web, browser }),
      );
    },
    { scope: 'worker', timeout: 90_000 },
  ],

  app: async ({ host }, use, testInfo) => {
    if (host.kind === 'skip') {
      if (!printedSkip) console.log(`[electron] project skipped: ${host.reason}`);
      printedSkip = true;
      testInfo.skip(true, host.reason);
      return;
    }
    let page: Page;
    let close = async () => {};
    if (host.kind === 'web') {
      const ctx = await host.browser.newContext({ colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
      page = await ctx.newPage();
      await page.goto(host.web.url);
      close = () => ctx.close();
    } else {
      page = await host.electron.firstWindow();
      await page.reload();
    }
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const shotDir = join(appRoot, 'test-results', 'screenshots', testInfo.project.name);
    const app: AppUnderTest = {
      kind: host.kind,
      page,
      web: host.kind === 'web' ? host.web : undefined,
      sandboxFile: host.kind === 'web' ? host.web.sandboxFile : host.sandboxFile,
      rawInvoke: (method, params) =>
        host.kind === 'web'
          ? page.evaluate(
              async ({ method, params }) =>
                (await fetch('/api/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method, params }) })).json(),
              { method, params },
            )
          : page.evaluate(({ method, params }) => (window as any).shardscope.invoke(method, params), { method, params }),
      shot: async (name) => {
        await mkdir(shotDir, { recursive: true });
        const path = join(shotDir, `${name}.png`);
        await page.screenshot({ path });
        await testInfo.attach(name, { path, contentType: 'image/png' });
      },
    };
    await use(app);
    // The CSP must not have blocked anything the app needs.
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await close();
  },
});

export { expect };

/** Creates a shard through the UI and opens it; returns its name. */
export async function createShard(page: Page, name: string, codecs: { key?: string; val?: string } = {}): Promise<void> {
  await page.getByRole('button', { name: 'Create shard' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create shard' });
  await dialog.getByLabel('Name').fill(name);
  if (codecs.key) await dialog.getByLabel('Key codec').selectOption(codecs.key);
  if (codecs.val) await dialog.getByLabel('Value codec').selectOption(codecs.val);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`;

/** The open shard's id, from its header. */
export async function currentShardId(page: Page): Promise<string> {
  const id = await page.locator('.view-header code').first().textContent();
  if (!id || !/^s[0-9a-f-]{36}$/.test(id)) throw new Error(`no shard id in the header: ${id}`);
  return id;
}

/** Writes straight through the router (as the page could), one append per entry. */
export async function writeBatches(app: AppUnderTest, shard: string, batches: { key: string; val: string; diff?: number }[][]): Promise<void> {
  for (const updates of batches) {
    const r = (await app.rawInvoke('shard.write', {
      location: 'default',
      shard,
      updates: updates.map((u) => ({ key: u.key, val: u.val, time: null, diff: u.diff ?? 1 })),
      upper: null,
    })) as { ok: boolean; error?: unknown };
    if (!r.ok) throw new Error(`write failed: ${JSON.stringify(r.error)}`);
  }
}
