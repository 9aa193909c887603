// Issue 10.2-10.4: forms validate as you type in words (submit disabled until valid), a since
// past the upper asks first and a backwards one says so, and a double-click runs an action once.
import { test, expect, createShard, currentShardId, uniqueName, writeBatches } from './fixtures';
import { inspectState } from './cli';

test('invalid input keeps submit disabled with a message in words', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-forms'), { key: 'json', val: 'string' });
  const shard = await currentShardId(page);
  await writeBatches(app, shard, [[{ key: '1', val: 'a' }]]);
  await expect(page.getByTestId('header-upper')).toHaveText('1');

  await page.getByRole('button', { name: 'Write', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Write updates' });
  const submit = dialog.getByRole('button', { name: 'Write', exact: true });
  await dialog.getByLabel('Key 1').fill('{"a": 1}');
  await expect(submit).toBeEnabled();
  await dialog.getByLabel('Time 1').fill('abc');
  await expect(dialog.getByTestId('field-error')).toHaveText("time 1 must be a whole number ≥ the shard's upper, 1");
  await expect(submit).toBeDisabled();
  await dialog.getByLabel('Time 1').fill('0');
  await expect(dialog.getByTestId('field-error')).toHaveText("time 1 must be a whole number ≥ the shard's upper, 1");
  await dialog.getByLabel('Time 1').fill('99999999999999999999');
  await expect(dialog.getByTestId('field-error')).toHaveText('time 1 is too large: the largest whole number allowed is 9,007,199,254,740,991');
  await dialog.getByLabel('Time 1').fill('3');
  await dialog.getByLabel('Diff 1').fill('0');
  await expect(dialog.getByTestId('field-error')).toHaveText('diff 1 must be a whole number other than 0');
  await dialog.getByLabel('Diff 1').fill('-2');
  await dialog.getByLabel('Key 1').fill('{oops');
  await expect(dialog.getByTestId('field-error')).toContainText('key 1 must be JSON');
  await dialog.getByLabel('Key 1').fill('"k"');
  await dialog.getByLabel('New upper').fill('3');
  await expect(dialog.getByTestId('field-error')).toHaveText('the new upper must be a whole number ≥ 4 (one past the largest time, 3)');
  await expect(submit).toBeDisabled();
  await expect(dialog.getByText(/expected|received|Too big/i)).toHaveCount(0);
  await app.shot('write-invalid');
  await dialog.getByLabel('New upper').fill('');
  await expect(dialog.getByTestId('field-error')).toHaveCount(0);
  await submit.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('header-upper')).toHaveText('4');

  await page.getByRole('tab', { name: 'Data' }).click();
  await expect(page.getByTestId('snapshot-info')).toContainText('at as_of 3');
  await page.getByLabel('as_of').fill('abc');
  await expect(page.getByTestId('field-error')).toHaveText("as_of must be a whole number from the shard's since, 0 to 3 (below the shard's upper, 4)");
  await expect(page.getByRole('button', { name: 'Load snapshot' })).toBeDisabled();
  await page.getByLabel('as_of').fill('7');
  await expect(page.getByRole('button', { name: 'Load snapshot' })).toBeDisabled();
  await page.getByLabel('as_of').fill('0');
  await page.getByRole('button', { name: 'Load snapshot' }).click();
  await expect(page.getByTestId('snapshot-info')).toContainText('1 row at as_of 0');

  await page.getByRole('tab', { name: 'Live' }).click();
  await page.getByLabel('Generator rate').fill('0');
  await expect(page.getByTestId('field-error')).toHaveText('the rate must be a whole number from 1 to 100,000');
  await expect(page.getByRole('button', { name: 'Start generator' })).toBeDisabled();

  await page.getByRole('button', { name: 'Advance upper' }).click();
  const adv = page.getByRole('dialog', { name: 'Advance upper' });
  await adv.getByLabel('New upper').fill('4');
  await expect(adv.getByTestId('field-error')).toHaveText('the new upper must be a whole number ≥ 5 (after the current upper, 4)');
  await expect(adv.getByRole('button', { name: 'Advance upper' })).toBeDisabled();
});

test('a since past the upper asks first; a backwards one says the since is already there', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-since'));
  const shard = await currentShardId(page);
  await writeBatches(app, shard, [[{ key: 'a', val: '1' }], [{ key: 'b', val: '2' }]]);
  await page.getByRole('tab', { name: 'Leases' }).click();
  await page.getByLabel('Purpose').fill('e2e-downgrade');
  await page.getByRole('button', { name: 'Open reader' }).click();
  const row = page.getByRole('table', { name: 'Leased readers' }).getByRole('row').filter({ hasText: 'e2e-downgrade' });
  await row.getByRole('button', { name: 'Downgrade since' }).click();
  const dialog = page.getByRole('dialog', { name: 'Downgrade since' });

  await dialog.getByLabel('New since').fill('0');
  await expect(dialog.getByTestId('field-error')).toHaveText('since is already 0; a since only moves forward: choose a time after 0');
  await expect(dialog.getByRole('button', { name: 'Downgrade since' })).toBeDisabled();

  // a since within the upper needs no confirmation
  await dialog.getByLabel('New since').fill('1');
  await expect(dialog.getByTestId('past-upper')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Downgrade since' }).click();
  await expect(dialog).toBeHidden();
  // (each poll runs the CLI in a new process: slow on a busy machine)
  await expect.poll(async () => (await inspectState(app.sandboxFile, shard)).since, { timeout: 30_000 }).toEqual([1]);

  await row.getByRole('button', { name: 'Downgrade since' }).click();
  await dialog.getByLabel('New since').fill('100');
  await expect(dialog.getByTestId('past-upper')).toContainText("A since of 100 is at or past the shard's upper, 2");
  const past = dialog.getByRole('button', { name: 'Downgrade past the upper' });
  await expect(past).toBeDisabled();
  await app.shot('downgrade-past-upper');
  await dialog.getByLabel('Move the since past the upper anyway').check();
  await past.click();
  await expect(dialog).toBeHidden();
  const after = await inspectState(app.sandboxFile, shard);
  expect(after.leasedReaders.find((r) => r.purpose === 'e2e-downgrade')?.since).toEqual([100]);
  expect(after.since).toEqual([100]);
});

test('a double-click on a confirm button runs the action once and shows its result', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-once'));
  const shard = await currentShardId(page);

  await page.getByRole('button', { name: 'Advance upper' }).click();
  const adv = page.getByRole('dialog', { name: 'Advance upper' });
  await adv.getByLabel('New upper').fill('10');
  const before = await inspectState(app.sandboxFile, shard);
  await adv.getByRole('button', { name: 'Advance upper' }).dblclick();
  await expect(adv).toBeHidden();
  await expect(page.getByTestId('header-upper')).toHaveText('10');
  await expect(page.getByRole('alert')).toHaveCount(0);
  const after = await inspectState(app.sandboxFile, shard);
  expect(after.upper).toEqual([10]);

  await page.getByRole('tab', { name: 'Leases' }).click();
  await page.getByLabel('Purpose').fill('e2e-once');
  await page.getByRole('button', { name: 'Open reader' }).click();
  const row = page.getByRole('table', { name: 'Leased readers' }).getByRole('row').filter({ hasText: 'e2e-once' });
  await row.getByRole('button', { name: 'Expire' }).click();
  const dialog = page.getByRole('dialog', { name: 'Expire reader' });
  await dialog.getByRole('button', { name: 'Expire' }).dblclick();
  await expect(dialog).toBeHidden();
  await expect(row).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(after.seqno - before.seqno).toBeGreaterThanOrEqual(1);
});

test('a double-click on Compact, Run GC and Delete leaked blobs runs each once and shows its result', async ({ app }) => {
  test.setTimeout(90_000);
  const { page } = app;
  const name = uniqueName('e2e-once2');
  await createShard(page, name);
  const shard = await currentShardId(page);
  await writeBatches(app, shard, Array.from({ length: 7 }, (_, i) => [{ key: `k${i}`, val: 'v' }]));

  await page.getByRole('tab', { name: 'Compaction' }).click();
  await page.getByRole('button', { name: 'Compact now…' }).click();
  const compact = page.getByRole('dialog', { name: 'Compact now' });
  await expect(compact.getByRole('table', { name: 'Planned merges' })).toBeVisible();
  await compact.getByRole('button', { name: 'Compact', exact: true }).dblclick();
  await expect(compact).toBeHidden();
  await expect(page.getByTestId('compaction-result')).toContainText('Compacted at');
  const [from, to] = ((await page.getByTestId('compaction-batches').textContent()) ?? '').split('→').map((s) => Number(s.trim()));
  expect(to).toBeLessThan(from); // the second click's "1 → 1" would show otherwise

  await page.getByRole('tab', { name: 'Storage' }).click();
  const truncatable = Number((await page.getByTestId('gc-truncatable').textContent())?.replace(/,/g, ''));
  expect(truncatable).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Run GC…' }).click();
  const gc = page.getByRole('dialog', { name: 'Run GC' });
  await gc.getByRole('button', { name: 'Run GC', exact: true }).dblclick();
  await expect(gc).toBeHidden();
  await expect(page.getByTestId('gc-result')).toContainText(/^GC truncated [1-9][\d,]* versions?/);

  await page.getByRole('button', { name: 'Upload batch without appending' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'did not append it' })).toBeVisible();
  await page.waitForTimeout(3200); // past the 3 s the e2e host spares young parts
  await page.getByRole('button', { name: 'Check again' }).click();
  await expect(page.getByRole('table', { name: 'Leaked blobs' }).getByRole('row').filter({ hasText: name }).first()).toContainText('deletable');
  await page.getByRole('button', { name: 'Delete leaked blobs…' }).click();
  const del = page.getByRole('dialog', { name: 'Delete leaked blobs' });
  await del.getByRole('textbox').fill((await del.locator('label strong').textContent())!);
  await del.getByRole('button', { name: /^Delete \d+ blobs?$/ }).dblclick();
  await expect(del).toBeHidden();
  await expect(page.getByTestId('leaked-result')).toContainText(/^Deleted [1-9]/); // not the second run's "Deleted 0 blobs"
  await expect(page.getByRole('alert')).toHaveCount(0);
});
