// The real side of the model test: one shard, a writer client and a reader client over the same
// storage (mem://, a sandbox file, or unreliable storage), sharing an injected clock so that lease
// expiry happens when the test says so and never by accident.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  codecs,
  MemBlob,
  MemConsensus,
  newCriticalReaderId,
  newShardId,
  PersistClient,
  UnreliableBlob,
  UnreliableConsensus,
  type Listen,
  type PersistConfig,
  type ReadHandle,
  type SinceHandle,
  type WriteHandle,
} from '../index.js';
import type { U } from './model.js';

export type EnvKind = 'mem' | 'sandbox' | 'unreliable';
export const strings = { keyCodec: codecs.string, valCodec: codecs.string };

/** Reader lease on the injected clock; heartbeats run every lease/4 of real time, so never during a run. */
export const READER_LEASE_MS = 10 * 60_000;

export interface RealListen {
  listen: Listen<string, string>;
  asOf: number;
  /** the frontier of the last progress event */
  progress: number;
  delivered: U[];
}

export interface Real {
  kind: EnvKind;
  shard: string;
  clock: { now: () => number; advance(ms: number): void };
  writerClient: PersistClient;
  readerClient: PersistClient;
  /** the writer, in the writer client */
  w: WriteHandle<string, string>;
  /** a second writer in the reader client: receives transmitted batches, sees stale uppers */
  w2: WriteHandle<string, string>;
  r: ReadHandle<string, string>;
  crit: SinceHandle;
  critId: string;
  listens: RealListen[];
  /** a client of its own (no faults), for the final check */
  openChecker(): Promise<PersistClient>;
  reopen(which: 'writer' | 'reader'): Promise<void>;
  close(): Promise<void>;
}

export interface EnvOptions {
  kind: EnvKind;
  /** seeds the unreliable storage's faults */
  seed: number;
  /** fraction of unreliable storage calls that fail (unreliable only) */
  failRate?: number;
}

export async function openReal(o: EnvOptions): Promise<Real> {
  let t = 1_000_000;
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) };
  const config: Partial<PersistConfig> = {
    now: clock.now,
    readerLeaseDurationMs: READER_LEASE_MS,
    // long enough never to expire in a run; heartbeats every lease/4 must fit a 32-bit timer
    writerLeaseDurationMs: 8e9,
    // Small parts and rollups, so that blobs, multi-part batches, rollups and GC all happen in a short run.
    inlineWritesMaxBytes: 64,
    blobTargetSizeBytes: 512,
    rollupThreshold: 8,
  };
  const name = randomUUID();
  let dir: string | null = null;
  let faultSeed = o.seed;
  const open = async (faults: boolean): Promise<PersistClient> => {
    switch (o.kind) {
      case 'mem':
        return PersistClient.open({ blob: `mem://${name}`, consensus: `mem://${name}` }, config);
      case 'sandbox':
        dir ??= mkdtempSync(join(tmpdir(), 'shardscope-model-'));
        return PersistClient.openSandbox(join(dir, 'sandbox.sqlite'), config);
      case 'unreliable': {
        const failRate = faults ? (o.failRate ?? 0.05) : 0;
        return PersistClient.openWith(
          {
            consensus: new UnreliableConsensus(MemConsensus.named(name), { failRate, seed: faultSeed++ }),
            blob: new UnreliableBlob(MemBlob.named(name), { failRate, seed: faultSeed++ }),
          },
          config,
        );
      }
    }
  };
  const shard = newShardId();
  const critId = newCriticalReaderId();
  const writerClient = await open(true);
  const readerClient = await open(true);
  const real: Real = {
    kind: o.kind,
    shard,
    clock,
    writerClient,
    readerClient,
    w: await writerClient.openWriter(shard, strings),
    w2: await readerClient.openWriter(shard, strings),
    r: await readerClient.openLeasedReader(shard, strings),
    crit: await readerClient.openCriticalSince(shard, critId, { purpose: 'model critical' }),
    critId,
    listens: [],
    openChecker: () => open(false),
    async reopen(which) {
      if (which === 'writer') {
        await real.writerClient.close();
        real.writerClient = await open(true);
        real.w = await real.writerClient.openWriter(shard, strings);
      } else {
        await real.readerClient.close();
        real.listens = [];
        real.readerClient = await open(true);
        real.w2 = await real.readerClient.openWriter(shard, strings);
        real.r = await real.readerClient.openLeasedReader(shard, strings);
        real.crit = await real.readerClient.openCriticalSince(shard, critId, { purpose: 'model critical' });
      }
    },
    async close() {
      await Promise.allSettled([real.writerClient.close(), real.readerClient.close()]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return real;
}
