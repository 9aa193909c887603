import { test, expect, createShard, uniqueName } from './fixtures';

test('the Live chart receives points while the generator writes', async ({ app }) => {
  const { page } = app;
  await createShard(page, uniqueName('e2e-live'), { key: 'json', val: 'json' });
  await page.getByRole('tab', { name: 'Live' }).click();
  await page.getByLabel('Generator rate').fill('500');
  await page.getByRole('button', { name: 'Start generator' }).click();
  await expect(page.getByRole('button', { name: 'Stop generator' })).toBeVisible();

  const status = page.getByTestId('live-status');
  await expect(status).toContainText('updates/s');
  await expect.poll(async () => Number(/(\d[\d,]*) points/.exec((await status.textContent()) ?? '')?.[1]?.replace(/,/g, '') ?? 0)).toBeGreaterThan(8);
  const figure = page.getByRole('figure', { name: 'Live updates per second' });
  await expect(figure.locator('canvas')).toBeVisible();
  await expect(figure.getByRole('img')).toHaveAttribute('aria-label', /\d+ updates per second/);
  await expect(page.getByRole('table', { name: 'Latest updates' }).getByRole('row')).not.toHaveCount(2);
  await page.waitForTimeout(1500);
  await app.shot('live');

  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = await status.textContent();
  await page.waitForTimeout(800);
  expect(await status.textContent()).toBe(paused);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(status).toContainText('listening');
  await page.getByRole('button', { name: 'Stop generator' }).click();
  await expect(page.getByRole('button', { name: 'Start generator' })).toBeVisible();
});
