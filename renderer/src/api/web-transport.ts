// The web host's side of the bridge: requests and pushes over one WebSocket (/api/ws), which the
// page's HttpOnly token cookie authorizes; reconnects with backoff and says when it is down.
import type { EventEnvelope, Method, Params, Result, Results } from '../../../preload/contract';
import type { Transport } from './transport-types';

type Pending = (r: Result<unknown>) => void;

const lost = (message: string): Result<never> => ({ ok: false, error: { code: 'Closed', message } });

export class WebTransport implements Transport {
  private ws: WebSocket | null = null;
  private up = false;
  private everConnected = false;
  private nextId = 1;
  private backoffMs = 250;
  private readonly pending = new Map<number, Pending>();
  private readonly queue: string[] = [];
  private readonly listeners = new Set<(e: EventEnvelope) => void>();
  private readonly reconnects = new Set<() => void>();
  private readonly connectionListeners = new Set<(up: boolean) => void>();
  private readonly url: string;

  constructor(loc: Location) {
    this.url = `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/ws`;
    this.connect();
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    for (const f of this.connectionListeners) f(up);
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.backoffMs = 250;
      this.setUp(true);
      for (const m of this.queue.splice(0)) ws.send(m);
      if (this.everConnected) for (const f of this.reconnects) f();
      this.everConnected = true;
    };
    ws.onmessage = (m) => {
      const msg = JSON.parse(String(m.data)) as { id?: number; result?: Result<unknown> } & Partial<EventEnvelope>;
      if (msg.subId !== undefined && msg.event) {
        for (const l of this.listeners) l(msg as EventEnvelope);
      } else if (typeof msg.id === 'number') {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        p?.(msg.result!);
      }
    };
    ws.onclose = () => {
      this.setUp(false);
      for (const p of this.pending.values()) p(lost('lost the connection to the web host; it reconnects by itself — try again in a moment'));
      this.pending.clear();
      setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 5000);
    };
  }

  invoke<M extends Method>(method: M, params: Params<M>): Promise<Result<Results[M]>> {
    const id = this.nextId++;
    const msg = JSON.stringify({ id, method, params });
    return new Promise((resolve) => {
      this.pending.set(id, resolve as Pending);
      if (this.up && this.ws?.readyState === WebSocket.OPEN) this.ws.send(msg);
      else this.queue.push(msg);
    });
  }

  subscribe(listener: (e: EventEnvelope) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connected(): boolean {
    return this.up;
  }

  onReconnect(f: () => void): () => void {
    this.reconnects.add(f);
    return () => this.reconnects.delete(f);
  }

  onConnectionChange(f: (up: boolean) => void): () => void {
    this.connectionListeners.add(f);
    return () => this.connectionListeners.delete(f);
  }
}
