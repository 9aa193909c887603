// The Streams view on the web host: create, write, seal, an atomic write across two streams that
// shows in both, destroy after typing the name. What the view did is read back through the
// engine's CLI (the streams' data shards), not only from the UI.
import type { Page } from '@playwright/test';
import { exportRows, inspectState } from './cli';
import { test, expect, uniqueName } from './fixtures';

async function openStreams(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Streams', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Streams' })).toBeVisible();
  await expect(page).toHaveURL(/#\/default\/streams$/);
}

async function createStream(page: Page, name: string): Promise<string> {
  await page.getByRole('button', { name: 'Create stream' }).click();
  const d = page.getByRole('dialog', { name: 'Create stream' });
  await d.getByLabel('Name').fill(name);
  await d.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(d).toBeHidden();
  const row = page.getByTestId(`stream-${name}`);
  await expect(row.getByTestId('seal')).toHaveText('0');
  const shard = await row.locator('button[title^="s"]').getAttribute('title');
  expect(shard).toMatch(/^s[0-9a-f-]{36}$/);
  return shard!;
}

async function seal(page: Page, name: string, at: number): Promise<void> {
  await page.getByRole('button', { name: `Seal ${name}` }).click();
  const d = page.getByRole('dialog', { name: `Seal ${name}` });
  await d.getByLabel('Seal at').fill(String(at));
  await d.getByRole('button', { name: 'Seal', exact: true }).click();
  await expect(d).toBeHidden();
  await expect(page.getByTestId(`stream-${name}`).getByTestId('seal')).toHaveText(String(at));
}

test('create, write, seal, atomic write across two streams, destroy after typing the name', async ({ app }) => {
  test.setTimeout(120_000);
  const { page } = app;
  await openStreams(page);
  const a = uniqueName('orders');
  const b = uniqueName('payments');
  const shardA = await createStream(page, a);
  const shardB = await createStream(page, b);

  // Write: checked as typed, in words.
  await page.getByRole('button', { name: `Write to ${a}` }).click();
  const w = page.getByRole('dialog', { name: `Write to ${a}` });
  await w.getByLabel('Key 1').fill('apple');
  await w.getByLabel('Value 1').fill('red');
  await w.getByLabel('Time 1').fill('x');
  await expect(w.getByTestId('field-error')).toHaveText('row 1: time must be a whole number ≥ 0');
  await expect(w.getByRole('button', { name: 'Write', exact: true })).toBeDisabled();
  await w.getByLabel('Time 1').fill('1');
  await w.getByRole('button', { name: 'Write', exact: true }).dblclick();
  await expect(w).toBeHidden();
  await expect(page.getByTestId(`stream-${a}`).getByTestId('unsealed')).toHaveText('1'); // the double-click wrote once

  // Seal: the write moves into the stream's shard, which the CLI reads.
  await seal(page, a, 3);
  await expect(page.getByTestId(`stream-${a}`).getByTestId('unsealed')).toHaveText('0');
  expect((await inspectState(app.sandboxFile, shardA)).upper).toEqual([3]);
  expect(await exportRows(app.sandboxFile, shardA, 2)).toEqual([{ key: 'apple', val: 'red', time: 2, diff: 1 }]);
  // A seal below the current one is refused as typed.
  await page.getByRole('button', { name: `Seal ${a}` }).click();
  const s = page.getByRole('dialog', { name: `Seal ${a}` });
  await s.getByLabel('Seal at').fill('2');
  await expect(s.getByTestId('field-error')).toHaveText('the seal must be a whole number ≥ the current seal, 3');
  await expect(s.getByRole('button', { name: 'Seal', exact: true })).toBeDisabled();
  await s.getByRole('button', { name: 'Cancel' }).click();

  // Atomic write across both streams, then read back from each.
  await page.getByRole('button', { name: 'Atomic write…' }).click();
  const at = page.getByRole('dialog', { name: 'Atomic write' });
  await at.getByRole('checkbox', { name: a }).check();
  await at.getByRole('checkbox', { name: b }).check();
  await at.getByLabel(`${a} Key 1`).fill('pear');
  await at.getByLabel(`${a} Value 1`).fill('green');
  await at.getByLabel(`${a} Time 1`).fill('5');
  await at.getByLabel(`${b} Key 1`).fill('pay-1');
  await at.getByLabel(`${b} Value 1`).fill('42');
  await at.getByLabel(`${b} Time 1`).fill('5');
  await at.getByRole('button', { name: 'Write atomically' }).click();
  await expect(at.getByTestId(`landed-${a}`)).toHaveText(`${a}: 1 of 1 row present ✓`);
  await expect(at.getByTestId(`landed-${b}`)).toHaveText(`${b}: 1 of 1 row present ✓`);
  await app.shot('streams-atomic-dialog');
  await at.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId(`stream-${a}`).getByTestId('unsealed')).toHaveText('1');
  await expect(page.getByTestId(`stream-${b}`).getByTestId('unsealed')).toHaveText('1');
  await seal(page, a, 6);
  await seal(page, b, 6);
  expect(await exportRows(app.sandboxFile, shardA, 5)).toEqual([
    { key: 'apple', val: 'red', time: 5, diff: 1 },
    { key: 'pear', val: 'green', time: 5, diff: 1 },
  ]);
  expect(await exportRows(app.sandboxFile, shardB, 5)).toEqual([{ key: 'pay-1', val: '42', time: 5, diff: 1 }]);

  // The selected stream's rows, and the screenshots of the view.
  await page.getByTestId(`stream-${a}`).getByRole('button', { name: a, exact: true }).click();
  await expect(page.getByTestId('stream-rows')).toContainText('pear');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await app.shot(`streams-${scheme}`);
  }

  // Destroy: only after typing the stream's name.
  await page.getByRole('button', { name: `Destroy ${a}` }).click();
  const del = page.getByRole('dialog', { name: `Destroy ${a}` });
  await del.getByRole('textbox').fill(a.slice(0, -1));
  await expect(del.getByRole('button', { name: 'Destroy stream' })).toBeDisabled();
  await del.getByRole('textbox').fill(a);
  await del.getByRole('button', { name: 'Destroy stream' }).click();
  await expect(page.getByTestId(`stream-${a}`)).toHaveCount(0);
  await expect(page.getByTestId(`stream-${b}`)).toBeVisible();
  const gone = await inspectState(app.sandboxFile, shardA);
  expect(gone.upper).toEqual([]);
  expect(gone.since).toEqual([]);
});
