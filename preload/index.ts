// The bridge: window.shardscope (invoke + subscribe) and nothing else. Sandboxed, so it can only
// use the `electron` renderer modules; it holds no engine object and no path.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EventEnvelope, ShardscopeBridge } from './contract.js';

// Literal copies of contract.channels (importing the contract's values would bundle zod here).
const INVOKE = 'shardscope:invoke';
const EVENT = 'shardscope:event';

const bridge: ShardscopeBridge = {
  invoke: (method, params) => ipcRenderer.invoke(INVOKE, method, params),
  subscribe(listener) {
    const f = (_e: IpcRendererEvent, envelope: EventEnvelope) => listener(envelope);
    ipcRenderer.on(EVENT, f);
    return () => {
      ipcRenderer.removeListener(EVENT, f);
    };
  },
};

contextBridge.exposeInMainWorld('shardscope', bridge);
