// Since and upper of each shard over time, as main observed them (for the Overview chart).
import type { FrontierSample } from '../../preload/contract.js';

const MAX_SAMPLES = 3000;
/** A flat line still gets a point this often, so the chart's time axis keeps moving. */
const HEARTBEAT_MS = 1000;

export class FrontierSamples {
  private readonly rings = new Map<string, FrontierSample[]>();

  record(shard: string, sample: FrontierSample): void {
    let ring = this.rings.get(shard);
    if (!ring) this.rings.set(shard, (ring = []));
    const last = ring[ring.length - 1];
    if (last && last.since === sample.since && last.upper === sample.upper && sample.t - last.t < HEARTBEAT_MS) return;
    if (last && sample.t < last.t) return;
    ring.push(sample);
    if (ring.length > MAX_SAMPLES) ring.splice(0, ring.length - MAX_SAMPLES);
  }

  get(shard: string): FrontierSample[] {
    return [...(this.rings.get(shard) ?? [])];
  }
}
