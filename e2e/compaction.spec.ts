import { test, expect, createShard, currentShardId, uniqueName, writeBatches, type AppUnderTest } from './fixtures';
import type { Page } from '@playwright/test';

async function dataRows(page: Page): Promise<string[]> {
  await page.getByRole('tab', { name: 'Data' }).click();
  const table = page.getByRole('table', { name: 'Data' });
  await expect(page.getByTestId('snapshot-info')).toContainText(/rows? at as_of/);
  const rows = await table.getByRole('row').filter({ has: page.getByRole('cell') }).all();
  // key, value and diff (the time is the as_of)
  return (await Promise.all(rows.map(async (r) => (await r.getByRole('cell').allTextContents()).filter((_, i) => i !== 2).join('|')))).sort();
}

async function batchCount(page: Page): Promise<number> {
  await page.getByRole('tab', { name: 'Batches' }).click();
  const text = (await page.getByTestId('batch-count').textContent()) ?? '';
  return Number(/^([\d,]+) batch(?:es)? in/.exec(text)?.[1].replace(/,/g, ''));
}

async function advanceUpper(app: AppUnderTest, to: number) {
  await app.page.getByRole('button', { name: 'Advance upper' }).click();
  const adv = app.page.getByRole('dialog', { name: 'Advance upper' });
  await adv.getByLabel('New upper').fill(String(to));
  await adv.getByRole('button', { name: 'Advance upper' }).click();
  await expect(app.page.getByTestId('header-upper')).toHaveText(String(to));
}

test('compact now: a preview, then the batch count drops and the data stays identical', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-compact'));
  const shard = await currentShardId(page);
  const appends = 13;
  await writeBatches(
    app,
    shard,
    Array.from({ length: appends }, (_, i) => [
      { key: `k${i % 5}`, val: `v${i % 3}` },
      { key: 'total', val: 'n', diff: i % 2 ? -1 : 2 },
    ]),
  );
  await expect(page.getByTestId('header-upper')).toHaveText(String(appends));
  const before = await dataRows(page);
  expect(before.length).toBeGreaterThan(3);

  const batchesBefore = await batchCount(page);
  await expect(page.getByRole('list', { name: 'Spine levels' }).getByRole('listitem').first()).toBeVisible();
  await app.shot('batches-levels');

  await page.getByRole('tab', { name: 'Compaction' }).click();
  await page.getByRole('button', { name: 'Compact now…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Compact now' });
  await expect(dialog.getByRole('table', { name: 'Planned merges' }).getByRole('row')).not.toHaveCount(1);
  await expect(dialog).toContainText('Merges');
  await app.shot('compaction-confirm');
  await dialog.getByRole('button', { name: 'Compact', exact: true }).click();
  await expect(dialog).toBeHidden();

  const result = page.getByTestId('compaction-result');
  await expect(result).toContainText('Compacted at');
  const [from, to] = ((await page.getByTestId('compaction-batches').textContent()) ?? '').split('→').map((s) => Number(s.trim().replace(/,/g, '')));
  expect(to).toBeLessThan(from);
  // the history is read from the shard's retained versions, and says how far back that reaches
  const forced = page.getByRole('table', { name: 'Compaction history' }).getByRole('row').filter({ hasText: 'Compact now' }).first();
  await expect(forced).toBeVisible();
  await expect(forced).toContainText(/\d+ → 1/);
  await expect(page.getByTestId('compaction-reach')).toContainText("since seqno 1, the earliest retained version");
  await app.shot('compaction-result');

  expect(await batchCount(page)).toBeLessThan(Math.max(batchesBefore, from));
  // A fresh read (a new as_of, so nothing cached) holds the same keys, values and diffs.
  await advanceUpper(app, appends + 1);
  expect(await dataRows(page)).toEqual(before);
});
