// The contract's implementation: validates every request, calls the host, turns every failure into
// { code, message }, and manages push subscriptions. No Electron here: main/index.ts binds it to
// ipcMain/webContents and main/web/ binds it to HTTP + WebSocket.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  requestSchemas,
  type EventEnvelope,
  type Method,
  type PushEvent,
  type Result,
  type Results,
} from '../../preload/contract.js';
import { redactSecrets } from '../../engine/index.js';
import type { Host } from '../host/types.js';
import { AppError, toContractError } from './errors.js';
import { adminHandlers, jobInfo } from './admin-ops.js';
import { Jobs } from '../host/jobs.js';
import { streamsHandlers, watchImport } from './streams-ops.js';
import { profileHandlers } from './profiles-ops.js';

/** One connected renderer (an Electron webContents or a WebSocket). */
export interface Session {
  send(e: EventEnvelope): void;
  /** false for one-shot callers (plain HTTP): they cannot subscribe */
  readonly canPush?: boolean;
}

type Handlers = {
  [M in Method]: (p: z.output<(typeof requestSchemas)[M]>, session: Session) => Promise<Results[M]> | Results[M];
};

const MAX_SUBSCRIPTIONS_PER_SESSION = 64;
/** Each live subscription holds watchers (and a listen holds a reader in durable state): bound them per host. */
const MAX_SUBSCRIPTIONS_PER_HOST = 256;

export interface RouterLimits {
  subscriptionsPerSession: number;
  subscriptionsPerHost: number;
}

export class Router {
  private readonly subs = new Map<string, { session: Session; stop: () => void }>();
  private readonly handlers: Handlers;
  private readonly jobs = new Jobs();

  private readonly limits: RouterLimits;
  private readonly log: (msg: string, e?: unknown) => void;

  constructor(
    private readonly host: Host,
    log: (msg: string, e?: unknown) => void = (m, e) => console.error(m, e ?? ''),
    limits: Partial<RouterLimits> = {},
  ) {
    // Logs get the same redaction as answers: an engine error may quote a location URI.
    this.log = (m, e) => log(m, e === undefined ? undefined : redactSecrets(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    this.limits = { subscriptionsPerSession: MAX_SUBSCRIPTIONS_PER_SESSION, subscriptionsPerHost: MAX_SUBSCRIPTIONS_PER_HOST, ...limits };
    this.handlers = this.makeHandlers();
  }

  /** Never throws: every outcome is a Result. */
  async invoke(session: Session, method: unknown, params: unknown): Promise<Result<unknown>> {
    if (typeof method !== 'string' || !Object.hasOwn(requestSchemas, method)) {
      const name = typeof method === 'string' ? `"${method.slice(0, 100)}"` : `a ${typeof method}`;
      return { ok: false, error: { code: 'UnknownMethod', message: `unknown method ${name}; see preload/contract.ts for the methods` } };
    }
    const m = method as Method;
    const parsed = requestSchemas[m].safeParse(params ?? {});
    if (!parsed.success) return { ok: false, error: toContractError(parsed.error) };
    try {
      const handler = this.handlers[m] as (p: unknown, s: Session) => Promise<unknown> | unknown;
      const value = await handler(parsed.data, session);
      return { ok: true, value: value ?? null };
    } catch (e) {
      const error = toContractError(e);
      if (error.code === 'Internal') this.log(`[router] ${m} failed`, e);
      return { ok: false, error };
    }
  }

  /** Stops every subscription of a session (window closed, socket gone). */
  closeSession(session: Session): void {
    for (const [id, s] of this.subs) {
      if (s.session === session) {
        this.subs.delete(id);
        s.stop();
      }
    }
  }

  closeAll(): void {
    for (const s of this.subs.values()) s.stop();
    this.subs.clear();
    this.jobs.close();
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  private push(session: Session, subId: string, event: PushEvent): void {
    if (!this.subs.has(subId)) return;
    try {
      session.send({ subId, event });
    } catch (e) {
      this.log('[router] push failed', e);
    }
  }

  private async subscribe(p: z.output<(typeof requestSchemas)['events.subscribe']>, session: Session): Promise<{ subId: string }> {
    if (session.canPush === false) {
      throw new AppError('Unsupported', 'subscriptions need a push channel: send events.subscribe over the WebSocket /api/ws');
    }
    let count = 0;
    for (const s of this.subs.values()) if (s.session === session) count++;
    if (count >= this.limits.subscriptionsPerSession) {
      throw new AppError('BadRequest', `too many subscriptions (${count}); unsubscribe from views that are closed`);
    }
    if (this.subs.size >= this.limits.subscriptionsPerHost) {
      throw new AppError('BadRequest', `this host already serves ${this.subs.size} subscriptions, its limit; close other windows or tabs`);
    }
    const loc = this.host.location(p.location);
    const subId = randomUUID();
    const onError = (e: unknown) => this.push(session, subId, { topic: 'error', error: toContractError(e) });
    // Registered before starting so that a first push made synchronously is not dropped.
    const entry = { session, stop: () => {} };
    this.subs.set(subId, entry);
    try {
      if (p.topic === 'shards') {
        entry.stop = loc.watchShards((shards) => this.push(session, subId, { topic: 'shards', shards }), onError);
      } else if (p.topic === 'shard') {
        entry.stop = loc.watchShard(p.shard, (detail, sample) => this.push(session, subId, { topic: 'shard', detail, sample }), onError);
      } else if (p.topic === 'compaction') {
        entry.stop = loc.watchCompaction(p.shard, (status) => this.push(session, subId, { topic: 'compaction', status }));
      } else if (p.topic === 'import') {
        entry.stop = watchImport(this.host, p.location, p.job, (job) => this.push(session, subId, { topic: 'import', job }));
      } else if (p.topic === 'job') {
        entry.stop = this.jobs.watch(p.location, p.jobId, (job) => this.push(session, subId, { topic: 'job', job: jobInfo(job) }));
      } else {
        entry.stop = await loc.listen(p.shard, (b) => this.push(session, subId, { topic: 'live', ...b }), onError);
        if (!this.subs.has(subId)) entry.stop(); // unsubscribed while starting
      }
    } catch (e) {
      this.subs.delete(subId);
      throw e;
    }
    return { subId };
  }

  private makeHandlers(): Handlers {
    const h = this.host;
    return {
      ...adminHandlers(h, this.jobs),
      ...streamsHandlers(h),
      ...profileHandlers(h),
      'app.info': () => h.info(),
      'locations.list': () => h.listLocations(),
      'locations.open': (p) => h.openLocation(p),
      'locations.pickSandbox': () => h.pickSandbox(),
      'locations.close': async (p) => {
        await h.closeLocation(p.location);
        return null;
      },
      'shards.list': (p) => h.location(p.location).listShards(),
      'shard.inspect': (p) => h.location(p.location).inspect(p.shard),
      'shard.frontierSamples': (p) => h.location(p.location).frontierSamples(p.shard),
      'shard.snapshot': (p) => h.location(p.location).snapshot(p.shard, p.asOf, p.offset, p.limit, { keyContains: p.keyContains, valContains: p.valContains, partial: p.partial }),
      'shard.create': (p) => h.location(p.location).createShard(p.name, p.keyCodec, p.valCodec),
      'shard.write': (p) => h.location(p.location).write(p.shard, p.updates, p.upper),
      'shard.advanceUpper': (p) => h.location(p.location).advanceUpper(p.shard, p.to),
      'generator.start': (p) => h.location(p.location).startGenerator(p.shard, p.rate),
      'generator.stop': (p) => h.location(p.location).stopGenerator(p.shard),
      'handle.openReader': (p) => h.location(p.location).openReader(p.shard, p.purpose, p.kind),
      'handle.openWriter': (p) => h.location(p.location).openWriter(p.shard, p.purpose),
      'handle.downgradeSince': (p) => h.location(p.location).downgradeSince(p.shard, p.readerId, p.since),
      'lease.expire': async (p) => {
        await h.location(p.location).expire(p.shard, p.kind, p.id);
        return null;
      },
      'compaction.plan': (p) => h.location(p.location).compactionPlan(p.shard),
      'compaction.start': (p) => h.location(p.location).startCompaction(p.shard),
      'compaction.cancel': (p) => h.location(p.location).cancelCompaction(p.shard),
      'compaction.status': (p) => h.location(p.location).compactionStatus(p.shard),
      'gc.status': (p) => h.location(p.location).gcStatus(p.shard),
      'gc.run': (p) => h.location(p.location).runGc(p.shard),
      'shard.versions': (p) => h.location(p.location).versions(p.shard, p.limit),
      'shard.inspectAt': (p) => h.location(p.location).inspectAt(p.shard, p.seqno),
      'shard.uploadBatch': (p) => h.location(p.location).uploadBatch(p.shard, p.updates),
      'blobs.leaked': (p) => h.location(p.location).leakedBlobs(),
      'blobs.deleteLeaked': (p) => h.location(p.location).deleteLeakedBlobs(p.keys, p.confirmName),
      'events.subscribe': (p, session) => this.subscribe(p, session),
      'events.unsubscribe': (p, session) => {
        const s = this.subs.get(p.subId);
        if (s && s.session === session) {
          this.subs.delete(p.subId);
          s.stop();
        }
        return null;
      },
    };
  }
}
