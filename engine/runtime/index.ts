// The streams runtime's public surface (re-exported by engine/index.ts).
export { startRuntime, REGISTRY_SHARD, type RuntimeClient, type RuntimeConfig, type StreamInfo } from './runtime.js';
export type { StreamWriteHandle, StreamReadHandle, DecodedSnapshot, StreamEvent } from './stream.js';
export { MultiWriteHandle, type AtomicBuilder } from './multi.js';
