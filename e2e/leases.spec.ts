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
  // The Actions cell: its border is the row's one line, and its header sits over its buttons.
  const geometry = await readers.evaluate((table) => {
    const row = [...table.querySelectorAll('tbody tr')].find((r) => r.textContent?.includes('e2e-reader'))!;
    const cells = [...row.querySelectorAll('td')].map((td) => td.getBoundingClientRect());
    const head = [...table.querySelectorAll('th')].at(-1)!;
    const last = row.querySelector('td.actions > button:last-child')!.getBoundingClientRect();
    const style = getComputedStyle(row.querySelector('td.actions')!);
    return {
      bottoms: new Set(cells.map((c) => Math.round(c.bottom))).size,
      border: style.borderBottomStyle,
      headAlign: getComputedStyle(head).textAlign,
      rightGap: Math.round(head.getBoundingClientRect().right - last.right),
    };
  });
  expect(geometry.bottoms).toBe(1);
  expect(geometry.border).toBe('solid');
  expect(geometry.headAlign).toBe('right');
  expect(geometry.rightGap).toBeLessThanOrEqual(8); // the header's padding, no more

  await row.getByRole('button', { name: 'Expire' }).click();
  const dialog = page.getByRole('dialog', { name: 'Expire reader' });
  await expect(dialog).toContainText('e2e-reader');
  await app.shot('leases-expire-confirm');
  await dialog.getByRole('button', { name: 'Expire' }).click();
  await expect(row).toHaveCount(0);
});
