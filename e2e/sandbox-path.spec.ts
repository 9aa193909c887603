// Issue 10.5: a mistyped sandbox path asks before a file is created, and never creates a folder.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './fixtures';

test('a sandbox path with no file asks before creating one; a missing folder is never created', async ({ app }) => {
  const { page } = app;
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-e2e-path-'));
  await page.getByRole('button', { name: /^Location:/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Locations' });

  const typo = join(dir, 'no-such-folder', 'shards.sqlite');
  await dialog.getByLabel('Sandbox file path').fill(typo);
  await dialog.getByRole('button', { name: 'Open sandbox' }).click();
  await expect(dialog.getByRole('alert')).toContainText(/never creates folders|creates no folders/);
  expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);

  const fresh = join(dir, 'fresh.sqlite');
  await dialog.getByLabel('Sandbox file path').fill(fresh);
  await expect(dialog.getByRole('alert')).toHaveCount(0); // the earlier error does not linger
  await dialog.getByRole('button', { name: 'Open sandbox' }).click();
  const ask = dialog.getByRole('group', { name: 'Create a new sandbox' });
  await expect(ask).toContainText(`There is no sandbox file at ${fresh}`);
  expect(existsSync(fresh)).toBe(false);
  await app.shot('locations-create-confirm');
  await ask.getByRole('button', { name: "Don't create" }).click();
  await expect(ask).toHaveCount(0);
  expect(existsSync(fresh)).toBe(false);

  await dialog.getByRole('button', { name: 'Open sandbox' }).click();
  await ask.getByRole('button', { name: 'Create sandbox' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: /^Location:/ })).toContainText('fresh.sqlite');
  expect(existsSync(fresh)).toBe(true);
});
