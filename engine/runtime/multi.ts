// MultiWriteHandle: writes, seals and compaction across several streams of one runtime, each as a
// single append of the runtime's log (see the design in runtime.ts): all of its streams or none.
import type { Antichain } from '../antichain.js';
import { InvalidUsageError } from '../errors.js';
import type { Update } from '../update.js';
import type { WriteRec } from './log.js';
import { StreamWriteHandleImpl, type StreamHost, type StreamWriteHandle } from './stream.js';

export interface AtomicBuilder {
  add<K, V>(h: StreamWriteHandle<K, V>, updates: Iterable<Update<K, V>>): void;
}

export class MultiWriteHandle {
  private constructor(
    private readonly runtime: StreamHost,
    private readonly handles: Map<string, StreamWriteHandleImpl<unknown, unknown>>,
  ) {}

  static of(handles: StreamWriteHandle<any, any>[]): MultiWriteHandle {
    if (!Array.isArray(handles) || handles.length === 0) {
      throw new InvalidUsageError('InvalidArgument', 'MultiWriteHandle.of needs at least one stream write handle');
    }
    const byId = new Map<string, StreamWriteHandleImpl<unknown, unknown>>();
    let runtime: StreamHost | null = null;
    for (const h of handles) {
      if (!(h instanceof StreamWriteHandleImpl)) throw new InvalidUsageError('InvalidArgument', 'not a stream write handle');
      runtime ??= h.runtime;
      if (h.runtime !== runtime) {
        throw new InvalidUsageError('InvalidArgument', `stream ${h.name} belongs to another runtime: handles of different runtimes cannot be mixed`);
      }
      byId.set(h.streamId, h);
    }
    return new MultiWriteHandle(runtime!, byId);
  }

  private member(h: { streamId?: unknown; name?: unknown } | string): StreamWriteHandleImpl<unknown, unknown> {
    const id = typeof h === 'string' ? h : h?.streamId;
    const m = typeof id === 'string' ? this.handles.get(id) : undefined;
    if (!m || (typeof h !== 'string' && h instanceof StreamWriteHandleImpl && h.runtime !== this.runtime)) {
      const name = typeof h === 'string' ? h : String(h?.name ?? id);
      throw new InvalidUsageError('InvalidArgument', `stream ${name} was not given to MultiWriteHandle.of`);
    }
    return m;
  }

  /** Every update added in `build`, in every stream, lands in one log append, or none does. */
  writeAtomic(build: (b: AtomicBuilder) => void): Promise<number> {
    return this.runtime.guard(async () => {
      const parts = new Map<string, { id: string; name: string; recs: WriteRec[] }>();
      build({
        add: (h, updates) => {
          const m = this.member(h);
          const s = this.runtime.streamById(m.streamId, m.name);
          const recs = this.runtime.writeRecs(s, m.keyCodec as never, m.valCodec as never, updates as Iterable<Update<never, never>>);
          const p = parts.get(m.streamId) ?? { id: m.streamId, name: m.name, recs: [] };
          p.recs.push(...recs);
          parts.set(m.streamId, p);
        },
      });
      return this.runtime.commitWrites([...parts.values()]);
    });
  }

  seal(streamIds: string[], upper: number): Promise<number> {
    return this.runtime.guard(async () => {
      if (!Array.isArray(streamIds)) throw new InvalidUsageError('InvalidArgument', 'streamIds must be an array');
      const ms = streamIds.map((id) => this.member(id));
      return this.runtime.sealStreams(ms.map((m) => ({ id: m.streamId, name: m.name })), upper);
    });
  }

  sealAll(upper: number): Promise<number> {
    return this.runtime.guard(() => this.runtime.sealStreams([...this.handles.values()].map((m) => ({ id: m.streamId, name: m.name })), upper));
  }

  allowCompactionAll(since: Antichain): Promise<number> {
    return this.runtime.guard(() =>
      this.runtime.allowCompactionStreams([...this.handles.values()].map((m) => ({ id: m.streamId, name: m.name })), since),
    );
  }
}
