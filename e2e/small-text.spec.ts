// Issue 10.10/10.11: the small things a newcomer reads: a favicon, the glossary as tooltips and
// counts in their plural form.
import { test, expect, createShard, currentShardId, uniqueName, writeBatches } from './fixtures';

test('favicon, glossary tooltips and plural counts', async ({ app }) => {
  const { page } = app;
  const icon = await page.evaluate(async () => {
    const href = document.querySelector('link[rel=icon]')?.getAttribute('href');
    const r = await fetch(href ?? '/favicon.svg');
    return { href, status: r.status, type: r.headers.get('content-type') };
  });
  expect(icon).toMatchObject({ href: './favicon.svg', status: 200, type: 'image/svg+xml' });

  await createShard(page, uniqueName('e2e-text'));
  const shard = await currentShardId(page);
  await writeBatches(app, shard, [[{ key: 'a', val: '1' }]]);
  await expect(page.locator('.view-header abbr.term', { hasText: 'since' })).toHaveAttribute('title', /earliest time a reader may still read/);
  await expect(page.locator('.stats abbr.term', { hasText: 'Upper' })).toHaveAttribute('title', /first time not yet written/);
  await page.getByRole('tab', { name: 'Batches' }).click();
  await expect(page.getByTestId('batch-count')).toContainText('1 batch in 1 level');
  await page.getByRole('tab', { name: 'Data' }).click();
  await expect(page.getByTestId('snapshot-info')).toContainText('1 row at as_of 0');
});
