// Screenshots of every view in light and dark mode, kept under test-results/screenshots/<project>/
// (<view>-<light|dark>.png) for review; each view is checked to have rendered first.
import { test, expect } from './fixtures';

// every tab of the shard view (route.ts TAB_IDS), then the location's other views and the dialogs
const TABS = ['Overview', 'Batches', 'Compaction', 'History', 'Storage', 'Leases', 'Data', 'Live', 'Time'] as const;

for (const scheme of ['light', 'dark'] as const) {
  test(`every view in ${scheme} mode`, async ({ app }) => {
    test.setTimeout(120_000);
    const { page } = app;
    await page.emulateMedia({ colorScheme: scheme });
    await expect(page.getByRole('heading', { level: 1, name: 'Shards' })).toBeVisible();
    const table = page.getByRole('table', { name: 'Shards' });
    await expect(table.getByRole('button', { name: 'demo.orders' })).toBeVisible();
    await app.shot(`shards-${scheme}`);

    await table.getByRole('button', { name: 'demo.orders' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'demo.orders' })).toBeVisible();
    for (const tab of TABS) {
      await page.getByRole('tab', { name: tab }).click();
      await expect(page.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByRole('tabpanel')).not.toBeEmpty();
      await expect(page.getByRole('tabpanel').getByRole('status').filter({ hasText: /Loading|Reading/ })).toHaveCount(0, { timeout: 20_000 });
      if (tab === 'Live' || tab === 'Overview') await page.waitForTimeout(1500); // a few points drawn
      await app.shot(`${tab.toLowerCase()}-${scheme}`);
    }

    await page.getByRole('button', { name: 'Advance upper' }).click();
    await expect(page.getByRole('dialog', { name: 'Advance upper' })).toBeVisible();
    await app.shot(`advance-upper-dialog-${scheme}`);
    await page.getByRole('dialog', { name: 'Advance upper' }).getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('tab', { name: 'Compaction' }).click();
    await page.getByRole('button', { name: 'Compact now…' }).click();
    const compact = page.getByRole('dialog', { name: 'Compact now' });
    await expect(compact.getByRole('status').filter({ hasText: /Planning/ })).toHaveCount(0, { timeout: 20_000 });
    await app.shot(`compact-dialog-${scheme}`);
    await compact.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Write', exact: true }).click();
    await expect(page.getByRole('dialog', { name: 'Write updates' })).toBeVisible();
    await app.shot(`write-dialog-${scheme}`);
    await page.getByRole('dialog', { name: 'Write updates' }).getByRole('button', { name: 'Cancel' }).click();

    await page.keyboard.press('Control+k');
    await expect(page.getByRole('dialog', { name: 'Go to' })).toBeVisible();
    await app.shot(`switcher-${scheme}`);
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Health', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Health' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: /Loading|Checking|Reading/ })).toHaveCount(0, { timeout: 20_000 });
    await app.shot(`health-${scheme}`);

    await page.getByRole('button', { name: 'Back to shards' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Shards' })).toBeVisible();
    await page.getByRole('button', { name: 'Create shard' }).click();
    await expect(page.getByRole('dialog', { name: 'Create shard' })).toBeVisible();
    await app.shot(`create-shard-dialog-${scheme}`);
    await page.getByRole('dialog', { name: 'Create shard' }).getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: /^Location:/ }).click();
    await expect(page.getByRole('dialog', { name: 'Locations' })).toBeVisible();
    await app.shot(`locations-${scheme}`);
  });
}
