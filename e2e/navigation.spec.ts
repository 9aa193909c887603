// Issue 10.6: every location, shard and tab has a route; reload and Back/Forward keep the place;
// Ctrl/Cmd-K switches; columns sort; focus moves to the opened view's heading.
import { test, expect, createShard, currentShardId, uniqueName } from './fixtures';

test('reload and Back/Forward keep the place; focus goes to the opened heading', async ({ app }) => {
  const { page } = app;
  const name = uniqueName('e2e-nav');
  await createShard(page, name);
  const shard = await currentShardId(page);
  await expect(page).toHaveURL(new RegExp(`#/default/shard/${shard}$`));
  await expect(page.getByRole('heading', { level: 1, name })).toBeFocused();

  await page.getByRole('tab', { name: 'Data' }).click();
  await expect(page).toHaveURL(new RegExp(`#/default/shard/${shard}/data$`));
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Data' })).toHaveAttribute('aria-selected', 'true');

  await page.goBack();
  await expect(page.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Shards' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Shards' })).toBeFocused();
  await page.goForward();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await page.goForward();
  await expect(page.getByRole('tab', { name: 'Data' })).toHaveAttribute('aria-selected', 'true');
});

test('Ctrl/Cmd-K opens the switcher and picks a shard and a tab', async ({ app }) => {
  const { page } = app;
  await expect(page.getByRole('heading', { level: 1, name: 'Shards' })).toBeVisible();
  await page.keyboard.press('Control+k');
  const dialog = page.getByRole('dialog', { name: 'Go to' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('combobox').fill('demo.orders');
  await expect(dialog.getByRole('option').first()).toContainText('demo.orders');
  await app.shot('switcher');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'demo.orders' })).toBeVisible();

  await page.keyboard.press('Meta+k');
  await dialog.getByRole('combobox').fill('leases');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'Leases' })).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(/\/leases$/);
});

test('the shard list sorts by a column, both ways', async ({ app }) => {
  const { page } = app;
  const table = page.getByRole('table', { name: 'Shards' });
  await expect(table.getByRole('button', { name: 'demo.orders' })).toBeVisible();
  const names = async () => (await table.getByRole('row').locator('[role=cell]:first-child').allTextContents()).map((t) => t.trim());
  const header = table.getByRole('columnheader', { name: /Name/ });
  await header.getByRole('button').click();
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  const asc = await names();
  expect(asc).toEqual([...asc].sort((a, b) => a.localeCompare(b)));
  await header.getByRole('button').click();
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  const desc = await names();
  expect(desc).toEqual([...asc].sort((a, b) => b.localeCompare(a)));
});
