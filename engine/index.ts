// The engine's public API (see shared/design/engine-api.md). Outside code imports only from here.
export type { Antichain } from './antichain.js';
export type { Update } from './update.js';
export type { WriteHandle, AppendResult } from './write.js';
export type { ReadHandle } from './read.js';
export type { LeasedPart } from './lease.js';
export type { Listen, Subscribe, ListenEvent, ListenOptions } from './listen.js';
export type { SinceHandle } from './since.js';
export type { Batch, BatchBuilder, TransmittableBatch } from './batch.js';
export type { ShardInspection } from './inspect.js';
export type { Admin, CompactionPlan, DeletedBlobs, GcStatus, UnreferencedBlob } from './admin/admin.js';
export type { BlobKey, BlobKind } from './paths.js';
export type { VersionChange } from './admin/history.js';
export type { CompactionEvent, CompactionHistory } from './admin/compactions.js';
export type { BlobUsage, ConsolidatedSize } from './admin/usage.js';
export type { Finding, FindingKind, Severity, Blame, HealthAction, HealthOptions, ShardHealth, LocationHealth } from './admin/health.js';
export type { DiffOptions, DiffRow, ShardDiff } from './admin/diff.js';
export type { WhatIf } from './admin/whatif.js';
export type { CopyOptions, CopyProgress, CopyResult, SaveCopyProgress } from './admin/copy.js';
export type { ProgressCounter } from './admin/parts.js';
export { readableAsOf, type AsOfVerdict, type ReadableInput } from './admin/readable.js';
export { copyShardToNewSandbox, saveSandboxCopy } from './admin/copy.js';
export { versionWindow } from './admin/diff.js';
export type { CompactionProgress, CompactionPhase, CompactionOutcome } from './compact/compactor.js';
export type { PersistConfig } from './config.js';
export type { Codec } from './codec.js';
export { codecs } from './codec.js';
export { PersistClient, type PersistLocation } from './client.js';
export type { HandleOptions } from './handle.js';
export { newShardId, parseShardId, newCriticalReaderId } from './ids.js';
export {
  InvalidUsageError,
  SinceError,
  LeaseExpiredError,
  ClientClosedError,
  RuntimeShutdownError,
  CorruptDataError,
  LocationError,
  type InvalidUsageKind,
} from './errors.js';

// Storage, for users' tests and tools (engine-api.md "Storage").
export type { Consensus, Blob, BlobMeta, VersionedData, CasResult } from './location/types.js';
export { MemConsensus, MemBlob } from './location/mem.js';
export { UnreliableConsensus, UnreliableBlob, type UnreliableOptions } from './location/unreliable.js';
export { configureRetry, type RetryOptions } from './location/retry.js';
// Masks every credential form in text shown to people (errors, labels, logs).
export { redactSecrets } from './location/redact.js';

// The streams runtime (engine-api.md "Streams runtime").
export {
  startRuntime,
  MultiWriteHandle,
  REGISTRY_SHARD,
  type RuntimeClient,
  type RuntimeConfig,
  type StreamInfo,
  type StreamWriteHandle,
  type StreamReadHandle,
  type DecodedSnapshot,
  type StreamEvent,
  type AtomicBuilder,
} from './runtime/index.js';

// The parallel persist sink (engine-api.md "Parallel sink").
export { persistSink, type PersistSink, type SinkOptions } from './sink/index.js';
