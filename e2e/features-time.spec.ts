// The Time tab's tools end to end: diff two times, move the what-if slider, copy the shard into a
// new sandbox from its dialog and open the copy (checked through the engine's CLI). Screenshots
// light and dark. (Cancel is not driven from here: on this machine a copy or what-if of a shard a
// spec can build in seconds ends before a click lands; main/router/admin-ops.test.ts cancels a
// copy job and checks no file is left, the engine tests check no part is read after a cancel.)
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test, expect, createShard, uniqueName, currentShardId, writeBatches } from './fixtures';
import { inspectState } from './cli';

for (const scheme of ['light', 'dark'] as const) {
  test(`time (${scheme}): diff two times, move the what-if slider, copy into a new sandbox and open the copy`, async ({ app }) => {
    test.setTimeout(90_000);
    const { page } = app;
    await page.emulateMedia({ colorScheme: scheme });
    const name = uniqueName('e2e-features-time');
    await createShard(page, name);
    const shard = await currentShardId(page);
    await writeBatches(app, shard, [[{ key: 'k1', val: 'a' }, { key: 'k2', val: 'b' }], [{ key: 'k3', val: 'c' }], [{ key: 'k1', val: 'a', diff: -1 }]]);
    await expect(page.getByTestId('header-upper')).toHaveText('3');
    await page.getByRole('tab', { name: 'Time' }).click();

    // Batches at times 0, 1, 2: (0, 2] holds k3 added and k1 removed.
    await page.getByLabel('Diff from').fill('0');
    await page.getByLabel('Diff to').fill('2');
    await page.getByRole('button', { name: 'Diff', exact: true }).click();
    await expect(page.getByTestId('diff-summary')).toContainText('(0, 2]: 1 rows added (1), 1 removed (1)');
    const rows = page.getByRole('table', { name: 'Diff rows' });
    await expect(rows.getByRole('row').filter({ hasText: 'k3' })).toContainText('+1');
    await expect(rows.getByRole('row').filter({ hasText: 'k1' })).toContainText('-1');
    await app.shot(`diff-${scheme}`);
    // Exported as CSV, as shown.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await readFile((await (await download).path())!, 'utf8');
    expect(csv.split('\n').sort()).toEqual(['"k1","a",-1', '"k3","c",1', 'key,val,diff']);
    // Filtered: only rows whose key or value contains the text.
    await page.getByLabel('Diff filter').fill('k3');
    await page.getByRole('button', { name: 'Diff', exact: true }).click();
    await expect(page.getByTestId('diff-summary')).toContainText('(0, 2]: 1 rows added (1), 0 removed (0)');
    await expect(rows.getByRole('row').filter({ hasText: 'k1' })).toHaveCount(0);

    const slider = page.getByLabel('Candidate since');
    await slider.focus();
    await page.keyboard.press('End');
    await expect(page.getByTestId('whatif-result-since')).toHaveText('3');
    await expect(page.getByTestId('whatif-lost')).toContainText('Reads as of 0…2 would no longer be possible');
    await expect(page.getByTestId('whatif-rows')).toHaveText('2');
    await app.shot(`whatif-${scheme}`);
    await page.keyboard.press('Home');
    await expect(page.getByTestId('whatif-result-since')).toHaveText('0');
    await expect(page.getByTestId('whatif-lost')).toHaveText('No read would be lost.');

    const path = join(tmpdir(), `${uniqueName('e2e-features-copy')}.sqlite`);
    await page.getByRole('button', { name: 'Copy to sandbox…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy to sandbox' });
    await dialog.getByLabel('Copy to sandbox path').fill(path);
    await dialog.getByLabel('Copy as of').fill('1');
    await app.shot(`copy-dialog-${scheme}`);
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await expect(dialog.getByTestId('copy-result')).toContainText('Copied 3 rows as of 1');
    // The copy, read by the engine: since at the as_of, nobody holding it.
    const state = await inspectState(path, shard);
    expect(state.since).toEqual([1]);
    expect(state.upper).toEqual([2]);
    expect(state.leasedReaders).toEqual([]);

    await dialog.getByRole('button', { name: 'Open the copy' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.getByTestId('header-upper')).toHaveText('2');
    await expect(page.getByRole('button', { name: /^Location:/ })).toContainText(basename(path));
  });
}
