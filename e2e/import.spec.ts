// The Import dialog on the web host: a JSONL and a CSV file land (counted, and read back through
// the engine's CLI), a malformed file names its line and leaves the shard unchanged, and Cancel
// stops an import before anything is appended.
import type { Page } from '@playwright/test';
import { exportRows, inspectState } from './cli';
import { test, expect, createShard, currentShardId, uniqueName } from './fixtures';

// The sink's worker threads start from TypeScript source on the web host (tsx), which takes
// seconds on a loaded machine before the first description is written.
const LANDS_MS = 60_000;

function openImport(page: Page) {
  return page.getByRole('button', { name: 'Import…' }).click();
}

async function importFile(page: Page, name: string, text: string): Promise<ReturnType<Page['getByRole']>> {
  await openImport(page);
  const d = page.getByRole('dialog', { name: /^Import into / });
  await d.getByLabel('File to import').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(text) });
  await expect(d.getByTestId('import-file')).toContainText(name);
  await d.getByRole('button', { name: 'Import', exact: true }).dblclick();
  return d;
}

test('import a JSONL and a CSV file: every update lands, counted', async ({ app }) => {
  test.setTimeout(180_000);
  const { page } = app;
  await createShard(page, uniqueName('e2e-import'));
  const shard = await currentShardId(page);
  await openImport(page);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await app.shot(`import-dialog-${scheme}`);
  }
  await page.getByRole('dialog', { name: /^Import into / }).getByRole('button', { name: 'Cancel' }).click();

  const jsonl = Array.from({ length: 300 }, (_, i) => JSON.stringify({ key: `k${i}`, val: `v${i}`, time: i % 3, diff: 1 })).join('\n');
  const d = await importFile(page, 'rows.jsonl', jsonl);
  await expect(d.getByTestId('import-done')).toHaveText("300 updates landed; the shard's upper is now 3.", { timeout: LANDS_MS });
  await app.shot('import-done');
  await d.getByRole('button', { name: 'Close' }).click();
  expect((await inspectState(app.sandboxFile, shard)).upper).toEqual([3]);

  const d2 = await importFile(page, 'more.csv', 'key,val,time,diff\n"a,b",x,4,2\nc,"say ""hi""",5,1\n');
  await expect(d2.getByTestId('import-done')).toHaveText("2 updates landed; the shard's upper is now 6.", { timeout: LANDS_MS });
  await d2.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('header-upper')).toHaveText('6');
  const rows = await exportRows(app.sandboxFile, shard, 5);
  expect(rows).toHaveLength(302); // the double-click imported once
  expect(rows.find((r) => r.key === 'a,b')).toEqual({ key: 'a,b', val: 'x', time: 5, diff: 2 });
  expect(rows.find((r) => r.key === 'c')).toEqual({ key: 'c', val: 'say "hi"', time: 5, diff: 1 });
});

test('a malformed row names its line and nothing is appended; Cancel leaves the shard unchanged', async ({ app }) => {
  test.setTimeout(120_000);
  const { page } = app;
  await createShard(page, uniqueName('e2e-import-bad'));
  const shard = await currentShardId(page);
  const before = await inspectState(app.sandboxFile, shard);

  const bad = ['["a","1",0,1]', '["b","2",0,1]', '{"key":"c","val":"3","time":"soon"}', '["d","4",0,1]'].join('\n');
  const d = await importFile(page, 'bad.jsonl', bad);
  await expect(d.getByTestId('import-progress')).toContainText('line 3: time must be a non-negative integer, got "soon"; nothing was appended');
  await d.getByRole('button', { name: 'Close' }).click();
  const after = await inspectState(app.sandboxFile, shard);
  expect(after.upper).toEqual(before.upper);
  expect(after.seqno).toBe(before.seqno);

  const big = Array.from({ length: 400_000 }, (_, i) => `key-${i},value-${i},${i % 50},1`).join('\n');
  const c = await importFile(page, 'big.csv', big);
  await c.getByRole('button', { name: 'Cancel import' }).click();
  await expect(c.getByTestId('import-cancelled')).toHaveText('Cancelled: nothing was appended.', { timeout: 60_000 });
  expect((await inspectState(app.sandboxFile, shard)).upper).toEqual(before.upper);
});
