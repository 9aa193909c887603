// What the renderer needs from a host: the preload bridge, plus whether pushes can arrive now.
// Its own file so each host's transport (web-transport.ts) and the one that picks between them
// (transport.ts) both depend on it without depending on each other.
import type { ShardscopeBridge } from '../../../preload/contract';

export interface Transport extends ShardscopeBridge {
  /** whether pushes can arrive now (Electron: always) */
  connected(): boolean;
  /** called on every connect after the first (subscriptions must be made again) */
  onReconnect(f: () => void): () => void;
  onConnectionChange(f: (up: boolean) => void): () => void;
}

declare global {
  interface Window {
    shardscope?: ShardscopeBridge;
  }
}
