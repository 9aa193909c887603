// Issue 10.9: an outage of the web host's socket keeps the open dialog and what was typed in it,
// and says in place that the connection is down.
import type { WebSocketRoute } from '@playwright/test';
import { test, expect, createShard, uniqueName } from './fixtures';

test('a dialog and its input survive an outage of the connection', async ({ app }) => {
  test.skip(app.kind !== 'web', 'the web host\'s WebSocket is what goes down');
  test.setTimeout(90_000);
  const { page } = app;
  let down = false;
  const live: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/api\/ws$/, (ws) => {
    if (down) return void ws.close();
    ws.connectToServer();
    live.push(ws);
  });
  await page.reload(); // the app's socket now goes through the route
  await createShard(page, uniqueName('e2e-outage'));

  await page.getByRole('button', { name: 'Write', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Write updates' });
  await dialog.getByLabel('Key 1').fill('typed before the outage');
  await dialog.getByLabel('Value 1').fill('still here');

  down = true;
  for (const ws of live.splice(0)) await ws.close();
  await expect(dialog.getByTestId('dialog-connection')).toBeVisible();
  await expect(page.locator('.freshness')).toContainText('reconnecting');
  await page.waitForTimeout(12_000); // longer than the outage that used to drop the dialog
  await expect(page.getByTestId('stale-notice').first()).toBeVisible();
  await app.shot('outage-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Key 1')).toHaveValue('typed before the outage');
  await expect(dialog.getByLabel('Value 1')).toHaveValue('still here');

  down = false;
  await expect(dialog.getByTestId('dialog-connection')).toBeHidden({ timeout: 15_000 });
  await dialog.getByRole('button', { name: 'Write', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('header-upper')).toHaveText('1');
});
