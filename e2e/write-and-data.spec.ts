import { test, expect, createShard, uniqueName } from './fixtures';

test('create a shard, write updates: the upper advances and the Data tab shows them', async ({ app }) => {
  const { page } = app;
  const name = uniqueName('e2e-write');
  await createShard(page, name);
  await expect(page.getByTestId('upper')).toHaveText('0');

  await page.getByRole('button', { name: 'Write', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Write updates' });
  await dialog.getByLabel('Key 1').fill('apple');
  await dialog.getByLabel('Value 1').fill('red');
  await dialog.getByRole('button', { name: 'Add update' }).click();
  await dialog.getByLabel('Key 2').fill('banana');
  await dialog.getByLabel('Value 2').fill('yellow');
  await dialog.getByLabel('Diff 2').fill('3');
  await dialog.getByRole('button', { name: 'Write', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('upper')).toHaveText('1');

  // An invalid write says what to do, in place.
  await page.getByRole('button', { name: 'Write', exact: true }).click();
  await dialog.getByLabel('Key 1').fill('late');
  await dialog.getByLabel('Time 1').fill('0');
  await expect(dialog.getByTestId('field-error')).toHaveText("time 1 must be a whole number ≥ the shard's upper, 1");
  await expect(dialog.getByRole('button', { name: 'Write', exact: true })).toBeDisabled();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'Advance upper' }).click();
  const adv = page.getByRole('dialog', { name: 'Advance upper' });
  await adv.getByLabel('New upper').fill('5');
  await adv.getByRole('button', { name: 'Advance upper' }).click();
  await expect(page.getByTestId('upper')).toHaveText('5');

  await page.getByRole('tab', { name: 'Data' }).click();
  const data = page.getByRole('table', { name: 'Data' });
  await expect(page.getByTestId('snapshot-info')).toContainText('2 rows at as_of 4');
  await expect(data.getByRole('row').filter({ hasText: 'apple' })).toContainText('red');
  await expect(data.getByRole('row').filter({ hasText: 'banana' })).toContainText('3');
  await app.shot('data');

  await page.getByRole('tab', { name: 'Batches' }).click();
  await expect(page.getByRole('table', { name: 'Batches' }).getByRole('row')).not.toHaveCount(1);
  await app.shot('batches');
});
