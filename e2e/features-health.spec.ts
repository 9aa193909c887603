// Each health finding, built for real by another process in the app's sandbox, is listed in the
// Health view, acted on from there behind its typed confirmation, and checked gone through the
// engine's own CLI (`shardscope inspect health`, whose exit code 1 monitoring relies on).
import { test, expect, uniqueName } from './fixtures';
import { buildSituation, cliHealth, type Situation } from './features-helpers';

interface Case {
  situation: Situation;
  finding: string;
  action: string;
  /** what the confirmation asks to type: the shard id, or "delete" */
  confirm: 'shard' | 'delete';
  /** the CLI's exit code before the action (1: a finding at error level) */
  codeBefore: 0 | 1;
  /** finding kinds that must be gone afterwards, by the engine's reading */
  gone: string[];
}

const CASES: Case[] = [
  { situation: 'silent-reader', finding: 'since-held-back', action: 'Expire reader', confirm: 'shard', codeBefore: 1, gone: ['since-held-back'] },
  { situation: 'held-part', finding: 'seqno-since-held-back', action: 'Expire reader', confirm: 'shard', codeBefore: 1, gone: ['seqno-since-held-back', 'since-held-back'] },
  { situation: 'stalled-writer', finding: 'upper-stalled', action: 'Expire writer', confirm: 'shard', codeBefore: 1, gone: ['upper-stalled'] },
  { situation: 'compaction-debt', finding: 'compaction-debt', action: 'Compact now', confirm: 'shard', codeBefore: 0, gone: ['compaction-debt'] },
  { situation: 'gc-behind', finding: 'gc-behind', action: 'Run GC', confirm: 'shard', codeBefore: 0, gone: ['gc-behind'] },
  { situation: 'leaked-blobs', finding: 'leaked-blobs', action: 'Clean up leaked blobs', confirm: 'delete', codeBefore: 0, gone: ['leaked-blobs'] },
  { situation: 'finalizable', finding: 'finalizable', action: 'Finalize', confirm: 'shard', codeBefore: 0, gone: ['finalizable'] },
];

for (const c of CASES) {
  test(`health: ${c.situation} is found, acted on from the Health view, and gone by the engine's reading`, async ({ app }) => {
    test.setTimeout(90_000);
    const { page } = app;
    const name = uniqueName(`e2e-${c.situation}`);
    const shard = await buildSituation(app.sandboxFile, c.situation, name);
    const before = await cliHealth(app.sandboxFile, shard);
    expect(before.json.findings.map((f) => f.kind)).toContain(c.finding);
    expect(before.code).toBe(c.codeBefore);

    await expect(page.getByRole('heading', { level: 1, name: 'Shards' })).toBeVisible();
    await page.getByRole('button', { name: 'Health', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Health' })).toBeVisible();
    const finding = page.getByTestId(`finding-${c.finding}`).filter({ hasText: name });
    await expect(finding).toBeVisible({ timeout: 20_000 });
    await finding.getByRole('button', { name: `${c.action}…` }).click();
    const dialog = page.getByRole('dialog', { name: c.action });
    const confirm = dialog.getByRole('button', { name: c.action, exact: true });
    await expect(confirm).toBeDisabled();
    await dialog.getByRole('textbox').fill(c.confirm === 'shard' ? shard : 'delete');
    await confirm.click();
    await expect(dialog).toBeHidden({ timeout: 20_000 });
    await expect(page.getByTestId(`finding-${c.finding}`).filter({ hasText: name })).toHaveCount(0, { timeout: 20_000 });

    const after = await cliHealth(app.sandboxFile, shard);
    const kinds = after.json.findings.map((f) => f.kind);
    for (const k of c.gone) expect(kinds).not.toContain(k);
    expect(after.code).toBe(0);
  });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`health view screenshot, ${scheme}`, async ({ app }) => {
    test.setTimeout(60_000);
    const { page } = app;
    await page.emulateMedia({ colorScheme: scheme });
    const name = uniqueName('e2e-shot');
    await buildSituation(app.sandboxFile, 'silent-reader', `${name}-reader`);
    await buildSituation(app.sandboxFile, 'compaction-debt', `${name}-debt`);
    await expect(page.getByRole('heading', { level: 1, name: 'Shards' })).toBeVisible();
    await page.getByRole('button', { name: 'Health', exact: true }).click();
    await expect(page.getByTestId('finding-since-held-back').filter({ hasText: `${name}-reader` })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('finding-compaction-debt').filter({ hasText: `${name}-debt` })).toBeVisible();
    await app.shot(`health-${scheme}`);
  });
}
