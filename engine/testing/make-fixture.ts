// Writes engine/testing/fixtures/sandbox-v<part format>.sqlite: a sandbox as this engine writes
// it, so that later engines are tested against real old bytes. sandbox-v1.sqlite was written by the
// engine of part format 1 and unversioned state diffs (before parts and versions named their
// place). Run it with the engine whose format is to be kept: `npx tsx engine/testing/make-fixture.ts [out]`.
// What it writes is described in fixture-contents.ts, which the test reads too.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PersistClient } from '../index.js';
import { PART_FORMAT_VERSION } from '../part/encode.js';
import { FIXTURE_SHARDS, fixtureSteps } from './fixture-contents.js';
import { strings } from './util.js';

const out = resolve(process.argv[2] ?? new URL(`./fixtures/sandbox-v${PART_FORMAT_VERSION}.sqlite`, import.meta.url).pathname);
const dir = mkdtempSync(join(tmpdir(), 'shardscope-fixture-'));
const path = join(dir, 'sandbox.sqlite');
try {
  // A small rollup threshold so the fixture holds rollups, a small inline bound so a few dozen rows
  // make a blob part (a small file); compaction only where forced.
  const client = await PersistClient.openSandbox(path, { rollupThreshold: 4, compactionEnabled: false, inlineWritesMaxBytes: 512 });
  for (const shard of FIXTURE_SHARDS) {
    const [w, r] = await client.open(shard.id, { ...strings, diagnostics: { shardName: shard.name, handlePurpose: 'fixture' } });
    for (const step of fixtureSteps(shard.id)) {
      if (step.kind === 'compact') {
        await client.admin.forceCompaction(shard.id);
        continue;
      }
      const res = await w.compareAndAppend(step.updates, [step.lower], [step.upper]);
      if (!res.ok) throw new Error(`fixture append to ${shard.id} at ${step.lower} failed`);
    }
    await r.expire();
    await w.expire();
  }
  await client.close();
  const db = new Database(path);
  db.pragma('journal_mode = DELETE');
  db.pragma('page_size = 1024');
  db.exec('VACUUM');
  db.close();
  copyFileSync(path, out);
  console.log(`wrote ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
