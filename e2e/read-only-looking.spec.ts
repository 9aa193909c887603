// Issue 10.1: looking never changes data. The app's own readers (Live, Data) hold the shard's since
// where it was, show up as the app's own while open, and are gone when the view closes. Checked
// through the engine's CLI, not the UI.
import { test, expect, createShard, currentShardId, uniqueName, writeBatches } from './fixtures';
import { inspectState } from './cli';

test('visiting Live and Data leaves the since where it was and expires the app readers', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-look'));
  const shard = await currentShardId(page);
  await writeBatches(app, shard, [[{ key: 'a', val: '1' }], [{ key: 'b', val: '2' }], [{ key: 'c', val: '3' }]]);
  const before = await inspectState(app.sandboxFile, shard);
  expect(before.upper).toEqual([3]);

  await page.getByRole('tab', { name: 'Live' }).click();
  await expect(page.getByTestId('live-status')).toContainText('listening');
  // The Live reader is registered and listed as the app's own while the tab is open.
  await expect.poll(async () => (await inspectState(app.sandboxFile, shard)).leasedReaders.map((r) => r.purpose)).toContain('Shardscope: Live tab');
  // Writes the listen sees: a listen that moved its since would now move the shard's.
  for (let i = 0; i < 4; i++) {
    await writeBatches(app, shard, [[{ key: `live${i}`, val: String(i) }]]);
    await expect(page.getByTestId('live-status')).toContainText(`frontier ${4 + i}`);
    await page.waitForTimeout(400); // past the engine's 1 s since-downgrade interval over the loop
  }
  const during = await inspectState(app.sandboxFile, shard);
  expect(during.since).toEqual(before.since);
  expect(during.leasedReaders.find((r) => r.purpose === 'Shardscope: Live tab')?.since).toEqual(before.since);

  await page.getByRole('tab', { name: 'Data' }).click();
  await expect(page.getByTestId('snapshot-info')).toContainText('7 rows at as_of 6');
  // an old as_of is still readable: nothing was compacted away by looking
  await page.getByLabel('as_of').fill('0');
  await page.getByRole('button', { name: 'Load snapshot' }).click();
  await expect(page.getByTestId('snapshot-info')).toContainText('1 row at as_of 0');

  await page.getByRole('tab', { name: 'Overview' }).click();
  await expect
    .poll(async () => (await inspectState(app.sandboxFile, shard)).leasedReaders.filter((r) => r.purpose.startsWith('Shardscope:')).length)
    .toBe(0);
  const after = await inspectState(app.sandboxFile, shard);
  expect(after.since).toEqual(before.since);
  expect(after.upper).toEqual([7]);
});
