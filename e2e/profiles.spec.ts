// Saved connection profiles in the web host, against a real PostgreSQL (with a password) and
// s3rver started here: create a profile in the form, "Test connection" says OK, a wrong password
// says so in words, Open shows the location's shards, and after a reload and after a restart of
// the host the last used profile is the location shown. Screenshots of the Profiles UI.
//
// This spec starts its own web host (with --profiles FILE and no --sandbox, so the last used
// profile reopens at start) instead of the shared fixture's, which always names a --sandbox.
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PgServer } from '../test/pg-server';
import { S3_BUCKET, startS3rver, type S3Server } from '../test/s3-server';
import { appRoot } from './hosts';

interface Host {
  url: string;
  stop(): Promise<void>;
}

function startHost(userData: string, profilesFile: string): Promise<Host> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(appRoot, 'main/web/serve.ts'), '--port', '0', '--no-demo', '--profiles', profilesFile], {
    cwd: appRoot,
    env: { ...process.env, SHARDSCOPE_SKIP_BUILD: '1', SHARDSCOPE_USER_DATA: userData },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the web host did not print its URL in 30 s:\n${log}`));
    }, 30_000);
    child.stderr.on('data', (d) => (log += String(d)));
    child.on('exit', (code) => reject(new Error(`the web host exited with ${code}:\n${log}`)));
    child.stdout.on('data', (d) => {
      log += String(d);
      const m = /Shardscope is serving (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(log);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1],
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      });
    });
  });
}

const test = base;
test.describe.configure({ mode: 'serial' });

let pg: PgServer;
let s3: S3Server;
let dir: string;
let host: Host;
let browser: Browser;
const PASSWORD = 'e2e-right-password';

test.beforeAll(async ({ playwright }, info) => {
  test.skip(info.project.name !== 'web', 'drives the web host it starts itself');
  test.setTimeout(120_000);
  [pg, s3] = await Promise.all([startPostgres({ password: PASSWORD }), startS3rver()]);
  dir = mkdtempSync(join(tmpdir(), 'shardscope-e2e-profiles-'));
  host = await startHost(dir, join(dir, 'profiles.json'));
  browser = await playwright.chromium.launch(info.project.use.launchOptions);
});

test.afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await host?.stop();
  pg?.stop();
  s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function shot(page: Page, name: string): Promise<void> {
  const out = join(appRoot, 'test-results', 'screenshots', 'web');
  await mkdir(out, { recursive: true });
  await page.screenshot({ path: join(out, `${name}.png`) });
}

const locations = (page: Page) => page.getByRole('dialog', { name: 'Locations' });

async function openLocations(page: Page): Promise<void> {
  await page.getByRole('button', { name: /^Location:/ }).click();
  await expect(locations(page)).toBeVisible();
}

test('a profile for PostgreSQL + S3: test connection, a wrong password, open, reopen at start', async () => {
  test.setTimeout(180_000);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(host.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Shards' })).toBeVisible();
  await openLocations(page);
  const dialog = locations(page);
  await expect(dialog.getByTestId('secrets-where')).toContainText(`saved in ${join(dir, 'profiles.json')} (readable by your user only, mode 0600)`);

  await dialog.getByRole('button', { name: 'New profile…' }).click();
  const form = dialog.getByRole('form', { name: 'New profile' });
  const save = form.getByRole('button', { name: 'Save profile' });
  await form.getByLabel('Profile name').fill('e2e-pg');
  // Checked as typed: nothing is sent until every field is valid.
  await expect(save).toBeDisabled();
  await form.getByLabel('Bucket').fill('Bad_Bucket');
  await expect(form.getByText('an S3 bucket name: 3 to 63 lower-case letters')).toBeVisible();
  await form.getByLabel('Host').fill('127.0.0.1');
  await form.getByLabel('Port').fill(String(pg.port));
  await form.getByLabel('Database').fill('postgres');
  await form.getByLabel('User').fill('postgres');
  await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await form.getByLabel('Schema').fill('e2e_profiles');
  await form.getByLabel('Endpoint').fill(new URL(s3.uri).searchParams.get('endpoint')!);
  await form.getByLabel('Bucket').fill(S3_BUCKET);
  await form.getByLabel('Prefix').fill('e2e-profiles');
  await form.getByLabel('Access key id').fill('S3RVER');
  await expect(form.getByText('the secret key is needed')).toBeVisible();
  await expect(save).toBeDisabled();
  await form.getByLabel('Secret key').fill('S3RVER');
  await expect(save).toBeEnabled();

  await form.getByRole('button', { name: 'Test connection' }).click();
  const result = form.getByRole('status', { name: 'Connection test' });
  await expect(result).toContainText('Connection OK.');
  await expect(result).toContainText('PostgreSQL (consensus): OK');
  await expect(result).toContainText('S3 (blob): OK');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await shot(page, `profile-form-${scheme}`);
  }
  await save.click();
  const row = dialog.getByRole('listitem', { name: 'Profile e2e-pg' });
  await expect(row).toBeVisible();
  await expect(page.locator('body')).not.toContainText(PASSWORD);
  expect(statSync(join(dir, 'profiles.json')).mode & 0o777).toBe(0o600);

  // A copy with a wrong password: the test names the problem, in words.
  await row.getByRole('button', { name: 'Duplicate' }).click();
  const copy = dialog.getByRole('listitem', { name: 'Profile e2e-pg (copy)' });
  await copy.getByRole('button', { name: 'Edit' }).click();
  const edit = dialog.getByRole('form', { name: 'Edit profile e2e-pg (copy)' });
  await expect(edit.getByLabel('Password', { exact: true })).toHaveAttribute('placeholder', 'saved — leave blank to keep it');
  await edit.getByLabel('Profile name').fill('e2e-wrong');
  await edit.getByLabel('Password', { exact: true }).fill('not-the-password');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  const wrong = dialog.getByRole('listitem', { name: 'Profile e2e-wrong' });
  await wrong.getByRole('button', { name: 'Test connection' }).click();
  const wrongResult = wrong.getByRole('status', { name: 'Connection test' });
  await expect(wrongResult).toContainText('The connection test failed.');
  await expect(wrongResult).toContainText('Wrong password — PostgreSQL refused the password for this user.');
  await expect(wrongResult).toContainText('S3 (blob): OK');
  // Opening it fails with the same words, and nothing else opens in its place.
  await wrong.getByRole('button', { name: 'Open' }).click();
  await expect(wrong.getByText(/did not open: Wrong password —/)).toBeVisible();

  // Remove asks first.
  await wrong.getByRole('button', { name: 'Remove' }).click();
  await wrong.getByRole('group', { name: 'Remove profile e2e-wrong' }).getByRole('button', { name: 'Remove profile' }).click();
  await expect(wrong).toHaveCount(0);

  // The working one passes from the list too.
  await row.getByRole('button', { name: 'Test connection' }).click();
  await expect(row.getByRole('status', { name: 'Connection test' })).toContainText('Connection OK.');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await shot(page, `profiles-${scheme}`);
  }

  // Open: the location's (empty) shard list; create a shard there.
  await row.getByRole('button', { name: 'Open' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Location: e2e-pg. Change location' })).toBeVisible();
  await page.getByRole('button', { name: 'Create shard' }).click();
  const create = page.getByRole('dialog', { name: 'Create shard' });
  await create.getByLabel('Name').fill('e2e-orders');
  await create.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'e2e-orders' })).toBeVisible();

  // A reload keeps it.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Location: e2e-pg. Change location' })).toBeVisible();
  await ctx.close();

  // A restarted host reopens the last used profile: the first page shows its shards.
  await host.stop();
  host = await startHost(dir, join(dir, 'profiles.json'));
  const ctx2 = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page2 = await ctx2.newPage();
  await page2.goto(host.url);
  await expect(page2.getByRole('button', { name: 'Location: e2e-pg. Change location' })).toBeVisible();
  await expect(page2.getByRole('table', { name: 'Shards' }).getByRole('button', { name: 'e2e-orders' })).toBeVisible();
  await openLocations(page2);
  await expect(locations(page2).getByRole('listitem', { name: 'Profile e2e-pg' }).getByText('last used')).toBeVisible();
  await ctx2.close();
});
