import { hostname } from 'node:os';

export interface PersistConfig {
  readerLeaseDurationMs: number;
  writerLeaseDurationMs: number;
  /** parts are cut at about this many encoded bytes (see bench P1/P6 for the choice) */
  blobTargetSizeBytes: number;
  compactionEnabled: boolean;
  compactionMemoryBoundBytes: number;
  /** a rollup of the full state is written to blob (in the background) every this many versions, or more apart for a big state (state/maintenance.ts) */
  rollupThreshold: number;
  now: () => number;
  hostname: string;
  /** parts at or below this many encoded bytes are kept inline in state (one CAS per tiny write) */
  inlineWritesMaxBytes: number;
}

export function defaultConfig(): PersistConfig {
  return {
    readerLeaseDurationMs: 15 * 60_000,
    writerLeaseDurationMs: 60 * 60_000,
    blobTargetSizeBytes: 8 * 1024 * 1024,
    compactionEnabled: true,
    compactionMemoryBoundBytes: 256 * 1024 * 1024,
    rollupThreshold: 128,
    now: () => Date.now(),
    hostname: hostname(),
    inlineWritesMaxBytes: 4096,
  };
}
