// Issue 10 "Also fix": at 5,000 batches the Batches tab's L0 bar stays inside its box, and its
// "+N more" is visible and draws the rest when pressed.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, uniqueName } from './fixtures';
import { makeShard } from './cli';

test('a level of 5,000 batches stays inside its box and "+N more" draws the rest', async ({ app }) => {
  test.setTimeout(120_000);
  const { page } = app;
  const file = join(tmpdir(), `${uniqueName('e2e-spine')}.sqlite`);
  const name = uniqueName('e2e-5k');
  const shard = await makeShard(file, 'batches', 5000, name);
  const opened = (await app.rawInvoke('locations.open', { kind: 'sandbox', path: file })) as { ok: boolean; value: { id: string } };
  expect(opened.ok).toBe(true);
  // (a reload: the page learns of the location opened behind its back)
  await page.evaluate((h) => history.replaceState(null, '', h), `#/${encodeURIComponent(opened.value.id)}/shard/${shard}/batches`);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByTestId('batch-count')).toContainText('5,000 batches in 1 level');

  const level = page.getByRole('list', { name: 'Spine levels' }).getByRole('listitem').first();
  const more = level.getByTestId('spine-more');
  await expect(more).toHaveText('+4,840 more');
  await expect(more).toBeInViewport();
  const inside = async () =>
    level.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const track = el.querySelector('.spine-track')!.getBoundingClientRect();
      const btn = el.querySelector('[data-testid="spine-more"]')!.getBoundingClientRect();
      return { track: track.right <= box.right + 0.5 && track.left >= box.left - 0.5, more: btn.right <= box.right + 0.5, overflow: el.scrollWidth - el.clientWidth };
    });
  expect(await inside()).toEqual({ track: true, more: true, overflow: 0 });
  await app.shot('batches-5k');

  await more.click();
  await expect(more).toHaveText('show fewer');
  await expect(more).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('spine-track-0').locator('.spine-block')).toHaveCount(5000);
  expect(await inside()).toEqual({ track: true, more: true, overflow: 0 });
  await app.shot('batches-5k-expanded');
  await more.click();
  await expect(page.getByTestId('spine-track-0').locator('.spine-block')).toHaveCount(160);
});
