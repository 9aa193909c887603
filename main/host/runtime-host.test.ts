// What makes two opens "the same location": the whole target, credentials included, not its label
// (which hides passwords). A wrong password must never be answered with the location that the
// right one opened.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { RuntimeHost } from './runtime-host.js';

const pg = new URL(process.env.SHARDSCOPE_TEST_PG_URI ?? inject('pgUri'));
let host: RuntimeHost;

beforeAll(async () => {
  host = new RuntimeHost({
    version: 'test',
    hostKind: 'web',
    defaultLocation: { kind: 'uri', blob: 'mem://runtime-host-test', consensus: 'mem://runtime-host-test' },
    defaultChosenByUser: true,
    recentsFile: null,
    demo: false,
    engineConfig: { compactionEnabled: false },
  });
  await host.start();
});
afterAll(async () => {
  await host.close();
});

const target = (password: string) => ({
  kind: 'uri' as const,
  blob: 'mem://runtime-host-test-blob',
  // The test server trusts loopback, so any password connects: what differs is only the request.
  consensus: `postgres://postgres:${password}@${pg.host}/postgres?schema=runtime_host_test`,
});

it('opens a location once per target, credentials included', async () => {
  const right = await host.openLocation(target('right'));
  expect((await host.openLocation(target('right'))).id).toBe(right.id);
  const other = await host.openLocation(target('wrong'));
  expect(other.id).not.toBe(right.id);
  // Both show the same label: it never carries the password.
  expect(other.label).toBe(right.label);
  expect(right.label).not.toContain('right');
});
