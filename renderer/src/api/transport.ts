// How the renderer reaches main: Electron's window.shardscope, or the web host's WebSocket, which
// implements the same bridge. Everything above this file is host-agnostic.
import type { ShardscopeBridge } from '../../../preload/contract';
import { WebTransport } from './web-transport';

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

function electronTransport(bridge: ShardscopeBridge): Transport {
  return {
    invoke: (m, p) => bridge.invoke(m, p),
    subscribe: (l) => bridge.subscribe(l),
    connected: () => true,
    onReconnect: () => () => undefined,
    onConnectionChange: () => () => undefined,
  };
}

let transport: Transport | null = null;

export function getTransport(): Transport {
  if (!transport) transport = window.shardscope ? electronTransport(window.shardscope) : new WebTransport(window.location);
  return transport;
}
