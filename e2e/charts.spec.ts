// Issue 10.8: honest charts: signed axes where values go negative, per-second rates, time ticks
// without repeats, lag on its own scale clamped at 0 with a note when the since passed the upper.
import { test, expect, createShard, currentShardId, uniqueName, writeBatches } from './fixtures';

test('the Live chart labels its axis signed and its time ticks once each', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-chart'), { key: 'json', val: 'json' });
  await page.getByRole('tab', { name: 'Live' }).click();
  await page.getByLabel('Generator rate').fill('2000');
  await page.getByRole('button', { name: 'Start generator' }).click();
  const figure = page.getByRole('figure', { name: 'Live updates per second' });
  // the generator retracts some of its inserts: − diffs show below 0, on a signed axis
  await expect(figure).toHaveAttribute('data-y-axis', /^−[\d.,K]+ \| .* \| 0 \| .* \| \+[\d.,K]+$/, { timeout: 20_000 });
  await page.waitForTimeout(3000);
  const x = (await figure.getAttribute('data-x-axis'))!.split(' | ');
  expect(x.length).toBeGreaterThan(1);
  expect(new Set(x).size).toBe(x.length);
  await app.shot('live-chart');
  await page.getByRole('button', { name: 'Stop generator' }).click();
});

test('a since past the upper draws the lag as 0 and says so', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-lag'));
  const shard = await currentShardId(page);
  await writeBatches(app, shard, [[{ key: 'a', val: '1' }], [{ key: 'b', val: '2' }]]);
  await page.getByRole('tab', { name: 'Leases' }).click();
  await page.getByLabel('Purpose').fill('e2e-lag');
  await page.getByRole('button', { name: 'Open reader' }).click();
  const row = page.getByRole('table', { name: 'Leased readers' }).getByRole('row').filter({ hasText: 'e2e-lag' });
  await row.getByRole('button', { name: 'Downgrade since' }).click();
  const dialog = page.getByRole('dialog', { name: 'Downgrade since' });
  await dialog.getByLabel('New since').fill('50');
  await dialog.getByLabel('Move the since past the upper anyway').check();
  await dialog.getByRole('button', { name: 'Downgrade past the upper' }).click();
  await page.getByRole('tab', { name: 'Overview' }).click();
  await expect(page.getByTestId('lag-note')).toContainText('the since was past the upper');
  await expect(page.getByTestId('frontier-caption')).not.toContainText(/\b1 samples\b/);
  await app.shot('overview-lag-note');
});
