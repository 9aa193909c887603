import { test, expect, createShard, currentShardId, uniqueName, writeBatches } from './fixtures';

test('state history: scrub through retained versions and see an old version\'s upper', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-history'));
  const shard = await currentShardId(page);
  await writeBatches(app, shard, [[{ key: 'a', val: '1' }], [{ key: 'b', val: '2' }], [{ key: 'c', val: '3' }]]);
  await expect(page.getByTestId('header-upper')).toHaveText('3');

  await page.getByRole('tab', { name: 'History' }).click();
  const versions = page.getByRole('table', { name: 'Versions' });
  const firstAppend = versions.getByRole('row').filter({ hasText: 'append [0, 1)' });
  await expect(firstAppend).toHaveCount(1);
  // the newest version is selected first
  await expect(page.getByTestId('version-upper')).toHaveText('3');

  await firstAppend.getByRole('button').first().click();
  await expect(page.getByTestId('version-upper')).toHaveText('1');
  await expect(page.getByTestId('version-batches')).toHaveText('1');
  await expect(page.getByRole('region', { name: 'Selected version' })).toContainText('upper [0] → [1]');
  await app.shot('history');

  const slider = page.getByRole('slider', { name: 'Version' });
  await slider.focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('version-upper')).toHaveText('3');
  await page.keyboard.press('Home');
  await expect(page.getByTestId('version-upper')).toHaveText('0');
  await page.keyboard.press('ArrowRight');
  const seqno = Number(await page.getByTestId('version-seqno').textContent());
  expect(seqno).toBeGreaterThan(1);
});
