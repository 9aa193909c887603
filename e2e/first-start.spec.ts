import { test, expect } from './fixtures';

test('first start opens the sandbox and shows "Shards" with the demo shards', async ({ app }) => {
  const { page } = app;
  await expect(page.getByRole('heading', { name: 'Shards' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Shards' });
  await expect(table.getByRole('button', { name: 'demo.orders' })).toBeVisible();
  await expect(table.getByRole('button', { name: 'demo.sessions' })).toBeVisible();
  await expect(page.getByText('live', { exact: false }).first()).toBeVisible();
  await app.shot('shards');

  await page.getByRole('searchbox', { name: 'Filter shards' }).fill('orders');
  await expect(table.getByRole('button', { name: 'demo.sessions' })).toHaveCount(0);
  await expect(table.getByRole('button', { name: 'demo.orders' })).toBeVisible();

  // The demo shard is written live: its Overview shows an upper that keeps moving.
  await table.getByRole('button', { name: 'demo.orders' }).click();
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
  const upper = page.getByTestId('upper');
  const first = Number(await upper.textContent());
  await expect.poll(async () => Number(await upper.textContent())).toBeGreaterThan(first);
  await expect(page.getByRole('figure', { name: 'Since and upper over time' }).locator('.recharts-line').first()).toBeVisible();
  await page.waitForTimeout(1500); // a few samples in the chart
  await app.shot('overview');
});
