// What the old-format sandbox fixture holds (make-fixture.ts writes it, format tests read it):
// two shards of string keys and values with tiny (inline) and bigger (blob) batches, rollups,
// and a forced compaction in the middle of the first shard's history.

export type FixtureUpdate = [string, string, number, number];
export type FixtureStep =
  | { kind: 'append'; lower: number; upper: number; updates: FixtureUpdate[] }
  | { kind: 'compact' };

export const FIXTURE_SHARDS = [
  { id: 's11111111-1111-4111-8111-111111111111', name: 'fixture-a' },
  { id: 's22222222-2222-4222-8222-222222222222', name: 'fixture-b' },
] as const;

/** A batch too big to stay inline (over the fixture writer's 512 bytes), so it goes to blob as a part. */
function bigBatch(tag: string, t: number, n = 24): FixtureUpdate[] {
  const out: FixtureUpdate[] = [];
  for (let i = 0; i < n; i++) out.push([`${tag}-${String(i).padStart(4, '0')}`, `value-${tag}-${i}`, t, 1 + (i % 3)]);
  return out;
}

export function fixtureSteps(shardId: string): FixtureStep[] {
  const a = shardId === FIXTURE_SHARDS[0].id;
  const tag = a ? 'a' : 'b';
  const steps: FixtureStep[] = [
    { kind: 'append', lower: 0, upper: 1, updates: [[`${tag}-inline`, 'one', 0, 1]] },
    { kind: 'append', lower: 1, upper: 2, updates: bigBatch(`${tag}-big1`, 1) },
    { kind: 'append', lower: 2, upper: 3, updates: [[`${tag}-inline`, 'one', 2, -1], [`${tag}-inline`, 'two', 2, 1]] },
    { kind: 'append', lower: 3, upper: 4, updates: bigBatch(`${tag}-big2`, 3, a ? 24 : 30) },
    { kind: 'append', lower: 4, upper: 6, updates: [[`${tag}-retract`, 'x', 4, 2], [`${tag}-retract`, 'x', 5, -2]] },
  ];
  if (a) {
    steps.push({ kind: 'compact' });
    steps.push({ kind: 'append', lower: 6, upper: 7, updates: [[`${tag}-after`, 'compaction', 6, 5]] });
    steps.push({ kind: 'append', lower: 7, upper: 9, updates: bigBatch(`${tag}-big3`, 8, 26) });
  }
  return steps;
}

/** Every update of the shard's steps, consolidated as a read at asOf sees them (times advanced to asOf). */
export function expectedAt(shardId: string, asOf: number): FixtureUpdate[] {
  const sums = new Map<string, number>();
  for (const s of fixtureSteps(shardId)) {
    if (s.kind !== 'append') continue;
    for (const [k, v, t, d] of s.updates) {
      if (t > asOf) continue;
      const id = JSON.stringify([k, v]);
      sums.set(id, (sums.get(id) ?? 0) + d);
    }
  }
  const out: FixtureUpdate[] = [];
  for (const [id, d] of sums) {
    if (d === 0) continue;
    const [k, v] = JSON.parse(id) as [string, string];
    out.push([k, v, asOf, d]);
  }
  return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
}

/** The upper each shard has after its steps. */
export function fixtureUpper(shardId: string): number {
  const steps = fixtureSteps(shardId).filter((s) => s.kind === 'append');
  return (steps[steps.length - 1] as { upper: number }).upper;
}
