// Change notification for PostgresConsensus: LISTEN on each watched key's channel for the NOTIFY
// its compare-and-set sends, and poll the watched heads as a fallback for lost connections or
// notifications. While anything is watched, the connection and the poll timer keep the process
// alive (a process that only waits for a listen must not exit); with no watcher, neither exists.
import pg from 'pg';
import { Watchers } from './watchers.js';

export interface PgWatchDeps {
  clientConfig: pg.ClientConfig;
  pollIntervalMs: number;
  channel(key: string): string;
  /** Heads of the given keys (absent: no versions). */
  heads(keys: string[]): Promise<Map<string, number>>;
}

export class PgWatch {
  private readonly watchers = new Watchers();
  /** Head per watched key as last known here; absent until first learned. */
  private readonly known = new Map<string, number | null>();
  private listener: pg.Client | null = null;
  /** Set once the listener has connected and subscribed to every watched channel. */
  private listening = false;
  /** LISTEN/UNLISTEN statements run one after another on the listener. */
  private commands: Promise<unknown> = Promise.resolve();
  private poller: NodeJS.Timeout | null = null;
  private reconnectDelay = 100;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  /** Times the listener connection was (re)established, for tests and diagnostics. */
  connects = 0;

  constructor(private readonly deps: PgWatchDeps) {}

  /** `seen`: the newest head the caller has already read, if any; anything newer notifies. */
  add(key: string, onChange: (seqno?: number) => void, seen: number | undefined): () => void {
    const first = !this.watchers.has(key);
    const off = this.watchers.add(key, onChange);
    // Nothing read here yet: any version the first poll finds may be one written after this call
    // (its NOTIFY can precede our LISTEN), so it notifies; a spurious wake is harmless, a lost one
    // leaves a waiter asleep.
    if (!this.known.has(key)) this.known.set(key, seen ?? -1);
    this.start();
    if (first && this.listening) this.command(`LISTEN "${this.deps.channel(key)}"`);
    void this.poll();
    return () => {
      off();
      if (!this.watchers.has(key)) {
        this.known.delete(key);
        if (this.listening) this.command(`UNLISTEN "${this.deps.channel(key)}"`);
      }
      if (this.watchers.size === 0) this.stop();
    };
  }

  /** Our own commit: tell local watchers now rather than after the NOTIFY round trip. */
  committed(key: string, seqno: number): void {
    if (!this.watchers.has(key)) return;
    this.advance(key, seqno);
  }

  private advance(key: string, seqno: number): void {
    const last = this.known.get(key);
    if (last !== undefined && last !== null && last >= seqno) return;
    this.known.set(key, seqno);
    this.watchers.notify(key, seqno);
  }

  private onNotification(payload: string | undefined): void {
    const space = payload?.indexOf(' ') ?? -1;
    if (!payload || space < 0) return;
    // The payload names the key, so a channel-name collision cannot wake the wrong watcher.
    const key = payload.slice(space + 1);
    if (this.watchers.has(key)) this.advance(key, Number(payload.slice(0, space)));
  }

  private command(sql: string): void {
    const client = this.listener;
    if (!client) return;
    this.commands = this.commands.then(() => client.query(sql)).catch(() => undefined);
  }

  private poll(): Promise<void> {
    // A key added mid-poll needs its own look, not the one already under way.
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = (async () => {
      try {
        const keys = this.watchers.keys();
        if (keys.length === 0) return;
        const heads = await this.deps.heads(keys);
        for (const key of keys) {
          if (!this.watchers.has(key)) continue;
          const head = heads.get(key) ?? null;
          // A first look with nothing read before only sets the baseline.
          if (!this.known.has(key)) this.known.set(key, head);
          else if (head !== null) this.advance(key, head);
        }
      } catch {
        // The server is away; a later tick looks again.
      } finally {
        this.polling = null;
        if (this.pollAgain) {
          this.pollAgain = false;
          void this.poll();
        }
      }
    })();
    return this.polling;
  }

  private start(): void {
    if (!this.poller) this.poller = setInterval(() => void this.poll(), this.deps.pollIntervalMs);
    if (!this.listener && !this.reconnectTimer) void this.listen();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.deps.clientConfig);
    this.listener = client;
    this.listening = false;
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = null;
      this.listening = false;
      client.end().catch(() => undefined);
      if (this.watchers.size === 0) return;
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (this.watchers.size > 0) void this.listen();
      }, this.reconnectDelay);
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, 5000);
    };
    // A dropped connection (restart, pg_terminate_backend) must never be an unhandled 'error'.
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => this.onNotification(n.payload));
    try {
      await client.connect();
      // Notification waits are long by nature; no statement timeout on this connection.
      await client.query('SET statement_timeout = 0');
      const keys = new Set(this.watchers.keys());
      if (keys.size) await client.query([...keys].map((k) => `LISTEN "${this.deps.channel(k)}"`).join('; '));
      if (this.listener !== client) return;
      this.listening = true;
      // Keys first watched while the LISTENs above were under way.
      for (const k of this.watchers.keys()) if (!keys.has(k)) this.command(`LISTEN "${this.deps.channel(k)}"`);
      this.connects++;
      this.reconnectDelay = 100;
      void this.poll(); // Whatever changed while nobody listened.
    } catch {
      lost();
    }
  }

  private stop(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const l = this.listener;
    this.listener = null;
    this.listening = false;
    l?.end().catch(() => undefined);
  }

  close(): void {
    this.stop();
  }
}
