import { test, expect } from './fixtures';

test('a malformed request to the router gets a clear error', async ({ app }) => {
  const bad = (await app.rawInvoke('shard.write', { location: 5 })) as { ok: boolean; error: { code: string; message: string } };
  expect(bad.ok).toBe(false);
  expect(bad.error.code).toBe('BadRequest');
  expect(bad.error.message).toMatch(/location: .*expected string/);
  expect(Object.keys(bad.error).sort()).toEqual(['code', 'message']);

  const unknown = (await app.rawInvoke('fs.readFile', { path: '/etc/passwd' })) as { ok: boolean; error: { code: string } };
  expect(unknown).toMatchObject({ ok: false, error: { code: 'UnknownMethod' } });

  const notAShard = (await app.rawInvoke('shard.inspect', { location: 'default', shard: '../../etc' })) as { error: { code: string; message: string } };
  expect(notAShard.error.code).toBe('BadRequest');
  expect(notAShard.error.message).toContain('shard');
});

test('the web host gives no data without its token', async ({ app }) => {
  test.skip(app.kind !== 'web', 'the token guards only the web host');
  const origin = app.web!.origin;
  const page = await app.page.context().browser()!.newPage();
  const res = await page.goto(origin + '/');
  expect(res!.status()).toBe(401);
  await expect(page.getByText('no access token')).toBeVisible();
  const api = await page.request.post(origin + '/api/invoke', { data: { method: 'shards.list', params: { location: 'default' } } });
  expect(api.status()).toBe(401);
  await page.close();
});
