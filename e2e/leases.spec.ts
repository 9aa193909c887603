import { test, expect, createShard, uniqueName } from './fixtures';

test('a reader opened in the Leases tab counts down and disappears when expired', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-leases'));
  await page.getByRole('tab', { name: 'Leases' }).click();
  await page.getByLabel('Purpose').fill('e2e-reader');
  await page.getByRole('button', { name: 'Open reader' }).click();

  const readers = page.getByRole('table', { name: 'Leased readers' });
  const row = readers.getByRole('row').filter({ hasText: 'e2e-reader' });
  await expect(row).toBeVisible();
  const countdown = row.getByTestId('expires-in');
  await expect(countdown).toHaveText(/^\d+:\d\d(:\d\d)?$/);
  const first = await countdown.textContent();
  await expect.poll(() => countdown.textContent(), { timeout: 5000 }).not.toBe(first);
  await app.shot('leases');

  await row.getByRole('button', { name: 'Expire' }).click();
  const dialog = page.getByRole('dialog', { name: 'Expire reader' });
  await expect(dialog).toContainText('e2e-reader');
  await app.shot('leases-expire-confirm');
  await dialog.getByRole('button', { name: 'Expire' }).click();
  await expect(row).toHaveCount(0);
});
