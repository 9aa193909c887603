import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, createShard, uniqueName, currentShardId, writeBatches } from './fixtures';

test('health: a reader holding the since back is listed, badged and expired from the Health view', async ({ app }) => {
  const { page } = app;
  const name = uniqueName('e2e-health');
  await createShard(page, name);
  const shard = await currentShardId(page);
  const opened = (await app.rawInvoke('handle.openReader', { location: 'default', shard, purpose: 'e2e-nightly-report', kind: 'leased' })) as { ok: boolean };
  expect(opened.ok).toBe(true);
  // The upper moves far past the reader's since (more than the default lag of 3 600 000).
  const w = (await app.rawInvoke('shard.write', { location: 'default', shard, updates: [{ key: 'a', val: 'b', time: 5_000_000, diff: 1 }], upper: 5_000_001 })) as { ok: boolean };
  expect(w.ok).toBe(true);

  await page.getByRole('button', { name: 'Health', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Health' })).toBeVisible();
  const finding = page.getByTestId('finding-since-held-back').filter({ hasText: name });
  await expect(finding).toBeVisible();
  await expect(finding).toContainText('e2e-nightly-report');
  await app.shot('health-view');

  await page.getByRole('button', { name: 'Back to shards' }).click();
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row.getByTestId('health-badge')).toContainText('warning');
  await app.shot('health-badge');

  await page.getByRole('button', { name: 'Health', exact: true }).click();
  await finding.getByRole('button', { name: 'Expire reader…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Expire reader' });
  const confirm = dialog.getByRole('button', { name: 'Expire reader' });
  await expect(confirm).toBeDisabled();
  await dialog.getByRole('textbox').fill(shard);
  await app.shot('health-confirm');
  await confirm.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('finding-since-held-back').filter({ hasText: name })).toHaveCount(0);
});

test('time: diff two times, move the what-if slider, copy the shard into a new sandbox and open it', async ({ app }) => {
  const { page } = app;
  const name = uniqueName('e2e-time');
  await createShard(page, name);
  const shard = await currentShardId(page);
  await writeBatches(app, shard, [[{ key: 'k1', val: 'a' }], [{ key: 'k2', val: 'b' }], [{ key: 'k1', val: 'a', diff: -1 }, { key: 'k3', val: 'c' }]]);
  await expect(page.getByTestId('header-upper')).toHaveText('3');
  await page.getByRole('tab', { name: 'Time' }).click();

  await page.getByLabel('Diff from').fill('0');
  await page.getByLabel('Diff to').fill('2');
  await page.getByRole('button', { name: 'Diff', exact: true }).click();
  await expect(page.getByTestId('diff-summary')).toContainText('(0, 2]: 2 rows added (2), 1 removed (1)');
  const rows = page.getByRole('table', { name: 'Diff rows' });
  await expect(rows.getByRole('row').filter({ hasText: 'k1' })).toContainText('-1');
  await app.shot('time-diff');

  const slider = page.getByLabel('Candidate since');
  await slider.focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('whatif-since')).toHaveText('3');
  await expect(page.getByTestId('whatif-result-since')).toHaveText('3');
  await expect(page.getByTestId('whatif-lost')).toContainText('Reads as of 0…2 would no longer be possible');
  await expect(page.getByTestId('whatif-batches')).toHaveText('1');
  await app.shot('time-whatif');

  const path = join(tmpdir(), `${uniqueName('e2e-copy')}.sqlite`);
  await page.getByRole('button', { name: 'Copy to sandbox…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Copy to sandbox' });
  await dialog.getByLabel('Copy to sandbox path').fill(path);
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(dialog.getByTestId('copy-result')).toContainText('Copied 2 rows as of 2');
  await app.shot('time-copy');
  await dialog.getByRole('button', { name: 'Close' }).click();
  const opened = (await app.rawInvoke('locations.open', { kind: 'sandbox', path })) as { ok: boolean; value: { id: string } };
  expect(opened.ok).toBe(true);
  const listed = (await app.rawInvoke('shards.list', { location: opened.value.id })) as { ok: boolean; value: { id: string; name: string }[] };
  expect(listed.value.map((s) => [s.id, s.name])).toEqual([[shard, name]]);

  // Save a copy of the whole sandbox, from the Health view's location tools.
  await page.getByRole('button', { name: 'Health', exact: true }).click();
  const shared = join(tmpdir(), `${uniqueName('e2e-shared')}.sqlite`);
  await page.getByLabel('Sandbox copy path').fill(shared);
  await page.getByRole('button', { name: 'Save a copy' }).click();
  await expect(page.getByTestId('save-copy-result')).toContainText('Saved');
  await app.shot('health-save-copy');
  const copy = (await app.rawInvoke('locations.open', { kind: 'sandbox', path: shared })) as { ok: boolean; value: { id: string } };
  const inCopy = (await app.rawInvoke('shards.list', { location: copy.value.id })) as { ok: boolean; value: { id: string }[] };
  expect(inCopy.value.map((s) => s.id)).toContain(shard);
});
