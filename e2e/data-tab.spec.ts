// Issue 10.7: the Data tab has handles for big data: a key/value filter (applied in main), jump to
// a row, Home/End, and an export that streams (CSV with formula neutralisation, or JSON Lines)
// with rows and bytes done.
import { readFileSync } from 'node:fs';
import { test, expect, createShard, currentShardId, uniqueName, type AppUnderTest } from './fixtures';

/** n rows k0000000.. with values v<i>, in appends of 10,000 straight through the router. */
async function fill(app: AppUnderTest, shard: string, n: number, extra: { key: string; val: string }[] = []): Promise<void> {
  const failed = await app.page.evaluate(
    async ({ shard, n, extra }) => {
      for (let start = 0; start < n; start += 10_000) {
        const updates = [];
        for (let i = start; i < Math.min(n, start + 10_000); i++) updates.push({ key: `k${String(i).padStart(7, '0')}`, val: `v${i}`, time: null, diff: 1 });
        if (start === 0) for (const e of extra) updates.push({ ...e, time: null, diff: 1 });
        const r = await (await fetch('/api/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'shard.write', params: { location: 'default', shard, updates, upper: null } }) })).json();
        if (!r.ok) return JSON.stringify(r.error);
      }
      return null;
    },
    { shard, n, extra },
  );
  if (failed) throw new Error(`write failed: ${failed}`);
}


test('filter by key and value, jump to a row, Home/End; CSV neutralises formulas, JSON Lines exports', async ({ app }) => {
  test.skip(app.kind !== 'web', 'writes through the web host\'s HTTP API');
  const { page } = app;
  await createShard(page, uniqueName('e2e-data'));
  const shard = await currentShardId(page);
  await fill(app, shard, 5000, [{ key: '=HYPERLINK("x")', val: '+danger' }]);
  await page.getByRole('tab', { name: 'Data' }).click();
  const info = page.getByTestId('snapshot-info');
  await expect(info).toContainText('5,001 rows at as_of');

  await page.getByLabel('Key contains').fill('k00042');
  await expect(info).toContainText('100 rows match of 5,001');
  await page.getByLabel('Value contains').fill('v4201');
  await expect(info).toContainText('1 row match of 5,001');
  await expect(page.getByRole('table', { name: 'Data' }).getByRole('row').filter({ hasText: 'k0004201' })).toBeVisible();
  await page.getByLabel('Key contains').fill('');
  await page.getByLabel('Value contains').fill('');
  await expect(info).toContainText('5,001 rows at as_of');

  const table = page.getByRole('table', { name: 'Data' });
  await page.getByLabel('Jump to row').fill('3001');
  await page.getByRole('button', { name: 'Jump' }).click();
  await expect(table.locator('[aria-rowindex="3002"]')).toBeVisible();
  await page.getByLabel('Jump to row').fill('9999');
  await expect(page.getByTestId('field-error')).toHaveText('the row must be a whole number from 1 to 5,001');
  await expect(page.getByRole('button', { name: 'Jump' })).toBeDisabled();

  await page.getByRole('rowgroup', { name: 'Data rows' }).focus();
  await page.keyboard.press('End');
  await expect(table.locator('[aria-rowindex="5002"]')).toBeVisible();
  await page.keyboard.press('Home');
  await expect(table.locator('[aria-rowindex="2"]')).toBeVisible();
  await app.shot('data-filter');

  const csv = page.waitForEvent('download');
  await page.getByRole('button', { name: /^Export 5,001 rows$/ }).click();
  const csvText = readFileSync(await (await csv).path(), 'utf8');
  await expect(page.getByTestId('export-done')).toContainText('Exported 5,001 rows');
  const lines = csvText.trimEnd().split('\n');
  expect(lines[0]).toBe('key,val,time,diff');
  expect(lines).toHaveLength(5002);
  expect(lines).toContain(`"'=HYPERLINK(""x"")",'+danger,0,1`);

  await page.getByLabel('Format').selectOption('jsonl');
  await page.getByLabel('Key contains').fill('k000000');
  await expect(page.getByTestId('snapshot-info')).toContainText('10 rows match');
  const jsonl = page.waitForEvent('download');
  await page.getByRole('button', { name: /^Export 10 rows$/ }).click();
  const download = await jsonl;
  expect(download.suggestedFilename()).toMatch(/-filtered\.jsonl$/);
  const objs = readFileSync(await download.path(), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  expect(objs).toHaveLength(10);
  expect(objs[0]).toEqual({ key: 'k0000000', val: 'v0', time: 0, diff: 1 });
});

// 1M rows (the size) takes minutes on a shared CI machine; the spec exports the largest
// size that stays near a minute (SHARDSCOPE_E2E_EXPORT_ROWS=1000000 runs the full size).
const EXPORT_ROWS = Number(process.env.SHARDSCOPE_E2E_EXPORT_ROWS ?? 300_000);

test(`an export of ${EXPORT_ROWS.toLocaleString('en-US')} rows streams to a download with rows and bytes done`, async ({ app }) => {
  test.skip(app.kind !== 'web', 'writes through the web host\'s HTTP API');
  test.setTimeout(Math.max(90_000, EXPORT_ROWS / 3));
  const { page } = app;
  const n = EXPORT_ROWS.toLocaleString('en-US');
  await createShard(page, uniqueName('e2e-export'));
  const shard = await currentShardId(page);
  await fill(app, shard, EXPORT_ROWS);
  await page.getByRole('tab', { name: 'Data' }).click();
  await expect(page.getByTestId('snapshot-info')).toContainText(`${n} rows at as_of`, { timeout: 60_000 });
  const download = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByRole('button', { name: `Export ${n} rows` }).click();
  // the numbers move while it streams: two readings, the second further on
  const progress = page.getByTestId('export-progress');
  const reading = async () => {
    const m = /^([\d,]+) of ([\d,]+) rows · ([\d.]+) (B|KiB|MiB)$/.exec((await progress.textContent()) ?? '');
    expect(m, 'rows and bytes done').not.toBeNull();
    expect(m![2]).toBe(n);
    return Number(m![1].replace(/,/g, ''));
  };
  await expect(progress).toContainText(/[1-9][\d,]* of/);
  const first = await reading();
  await app.shot('data-export-progress');
  await expect.poll(async () => (await progress.isVisible() ? reading() : EXPORT_ROWS)).toBeGreaterThan(first);
  const path = await (await download).path();
  await expect(page.getByTestId('export-done')).toContainText(`Exported ${n} rows`);
  const text = readFileSync(path, 'utf8');
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  expect(lines).toBe(EXPORT_ROWS + 1);
  expect(text.slice(0, 40)).toMatch(/^key,val,time,diff\nk0000000,v0,\d+,1\n/); // the time is the as_of
});
