// The demo shards of a new sandbox: created on first run and written live at a gentle rate while
// the app runs, so that a first start has something to look at.
import type { LocationRuntime } from './location-runtime.js';

export const DEMO_SHARDS = [
  { name: 'demo.orders', keyCodec: 'json', valCodec: 'json', rate: 20 },
  { name: 'demo.sessions', keyCodec: 'string', valCodec: 'string', rate: 5 },
] as const;

export async function startDemo(loc: LocationRuntime): Promise<void> {
  const shards = await loc.listShards();
  for (const d of DEMO_SHARDS) {
    const existing = shards.find((s) => s.name === d.name);
    if (existing && existing.upper === null) continue; // closed by a user: leave it be
    const id = existing?.id ?? (await loc.createShard(d.name, d.keyCodec, d.valCodec)).id;
    await loc.startGenerator(id, d.rate);
  }
}
