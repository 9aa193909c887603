// Synthetic updates for the workload generator and the demo shards: inserts over a bounded key
// space, with some retractions of earlier inserts so that both + and − diffs show.
import type { Update } from '../../engine/index.js';

const KEYS = 500;

function makeValue(codec: string, n: number, role: 'key' | 'val'): unknown {
  if (codec === 'unit') return null;
  if (codec === 'bytes') {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n >>> 0);
    return b;
  }
  if (codec === 'string') return role === 'key' ? `key-${String(n).padStart(3, '0')}` : `v${n}`;
  return role === 'key' ? { id: n } : { n, at: Date.now() % 100_000 };
}

export class Workload {
  private counter = 0;
  private readonly live: [unknown, unknown][] = [];

  constructor(private readonly codecs: { key: string; val: string }) {}

  next(count: number, time: number): Update<unknown, unknown>[] {
    const out: Update<unknown, unknown>[] = [];
    for (let i = 0; i < count; i++) {
      if (this.live.length > 64 && Math.random() < 0.25) {
        const j = Math.floor(Math.random() * this.live.length);
        const [k, v] = this.live[j];
        this.live[j] = this.live[this.live.length - 1];
        this.live.pop();
        out.push([k, v, time, -1]);
        continue;
      }
      const n = this.counter++;
      const k = makeValue(this.codecs.key, n % KEYS, 'key');
      const v = makeValue(this.codecs.val, Math.floor(Math.random() * 1000), 'val');
      if (this.live.length < 4096) this.live.push([k, v]);
      out.push([k, v, time, 1]);
    }
    return out;
  }
}
