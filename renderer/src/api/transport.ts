// How the renderer reaches main: Electron's window.shardscope, or the web host's WebSocket, which
// implements the same bridge. Everything above this file is host-agnostic.
import type { ShardscopeBridge } from '../../../preload/contract';
import type { Transport } from './transport-types';
import { WebTransport } from './web-transport';

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
