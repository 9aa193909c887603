// Batches: the shard's spine drawn as levels (each batch a block sized by its bytes; a running
// "Compact now" marks the batches it merges), and every batch in a virtualized table.
import { useMemo, useState } from 'react';
import type { BatchRow, CompactionJob, ShardDetail } from '../../../../preload/contract';
import { Empty } from '../../components/ErrorState';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { fmtBytes, fmtCount, fmtFrontier, plural } from '../../format';
import { useCompaction } from '../../queries/operations';

const columns: Column<BatchRow>[] = [
  { key: 'lower', header: 'Lower', width: '1fr', align: 'right', render: (b) => fmtFrontier(b[0]) },
  { key: 'upper', header: 'Upper', width: '1fr', align: 'right', render: (b) => fmtFrontier(b[1]) },
  { key: 'since', header: 'Since', width: '1fr', align: 'right', render: (b) => fmtFrontier(b[2]) },
  { key: 'len', header: 'Len', width: '1fr', align: 'right', render: (b) => fmtCount(b[3]) },
  { key: 'parts', header: 'Parts', width: '1fr', align: 'right', render: (b) => b[4] },
  { key: 'bytes', header: 'Bytes', width: '1fr', align: 'right', render: (b) => fmtBytes(b[5]) },
  { key: 'level', header: 'Level', width: '0.6fr', align: 'right', render: (b) => b[6] },
];

/** Blocks drawn per level; the rest are counted (a spine of 10k batches stays cheap to draw). */
const MAX_BLOCKS = 160;
/** The largest batch's block width; the others in proportion to their bytes (at least 4 px). */
const BLOCK_MAX_PX = 280;

interface Level {
  level: number;
  batches: BatchRow[];
  bytes: number;
  len: number;
}

export function levelsOf(batches: readonly BatchRow[]): Level[] {
  const by = new Map<number, Level>();
  for (const b of batches) {
    let l = by.get(b[6]);
    if (!l) by.set(b[6], (l = { level: b[6], batches: [], bytes: 0, len: 0 }));
    l.batches.push(b);
    l.bytes += b[5];
    l.len += b[3];
  }
  return [...by.values()].sort((a, b) => b.level - a.level);
}

const lowerOf = (f: number | null) => f ?? Number.POSITIVE_INFINITY;

/** Whether a batch lies inside one of the running job's merges. */
function merging(job: CompactionJob | null | undefined, b: BatchRow): boolean {
  if (!job || job.state !== 'running') return false;
  return job.plan.merges.some((m) => lowerOf(b[0]) >= lowerOf(m.lower) && lowerOf(b[1]) <= lowerOf(m.upper));
}

export function BatchesTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const batches = detail.batches;
  const compaction = useCompaction(loc, detail.summary.id);
  const job = compaction.data?.job;
  const levels = useMemo(() => levelsOf(batches), [batches]);
  const maxBytes = useMemo(() => batches.reduce((m, b) => Math.max(m, b[5]), 1), [batches]);
  // levels whose every block is drawn (wrapped in a scrolling box) after "+N more"
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const toggle = (level: number) =>
    setExpanded((s) => {
      const n = new Set(s);
      if (!n.delete(level)) n.add(level);
      return n;
    });
  if (batches.length === 0) return <Empty>No batches: nothing has been written, or everything was empty.</Empty>;
  const running = job?.state === 'running' ? job : null;
  return (
    <div className="fill">
      <p className="muted" data-testid="batch-count">
        {plural(batches.length, 'batch')} in {plural(levels.length, 'level')} · {fmtBytes(detail.summary.bytes)}
      </p>
      {running && (
        <p className="merge-banner" role="status" data-testid="merge-in-progress">
          <span className="spinner" aria-hidden="true" /> Merging {plural(running.plan.merges.reduce((n, m) => n + m.inputs, 0), 'batch')}
          {running.progress ? ` · ${fmtCount(running.progress.rowsIn)} rows read, ${running.progress.partsIn}/${running.progress.partsTotal} parts` : '…'}
        </p>
      )}
      <div className="spine" role="list" aria-label="Spine levels">
        {levels.map((l) => (
          <div className="spine-level" role="listitem" key={l.level} aria-label={`Level ${l.level}: ${plural(l.batches.length, 'batch')}, ${fmtBytes(l.bytes)}`}>
            <div className="spine-label">
              <strong>L{l.level}</strong>
              <span className="muted">
                {fmtCount(l.batches.length)} × · {fmtBytes(l.bytes)}
              </span>
            </div>
            <div className={`spine-blocks${expanded.has(l.level) ? ' expanded' : ''}`}>
              <span className="spine-track" data-testid={`spine-track-${l.level}`}>
                {(expanded.has(l.level) ? l.batches : l.batches.slice(0, MAX_BLOCKS)).map((b, i) => (
                  <span
                    key={i}
                    className={`spine-block${merging(running, b) ? ' merging' : ''}`}
                    style={{ width: Math.max(4, Math.round((b[5] / maxBytes) * BLOCK_MAX_PX)) }}
                    title={`[${fmtFrontier(b[0])}, ${fmtFrontier(b[1])}) since ${fmtFrontier(b[2])} · ${fmtCount(b[3])} updates · ${b[4]} parts · ${fmtBytes(b[5])}`}
                  />
                ))}
              </span>
              {l.batches.length > MAX_BLOCKS && (
                <button
                  type="button"
                  className="link spine-more"
                  data-testid="spine-more"
                  aria-expanded={expanded.has(l.level)}
                  onClick={() => toggle(l.level)}
                  title={expanded.has(l.level) ? 'draw only the first batches of this level' : 'draw every batch of this level'}
                >
                  {expanded.has(l.level) ? 'show fewer' : `+${fmtCount(l.batches.length - MAX_BLOCKS)} more`}
                </button>
              )}
            </div>
          </div>
        ))}
      </div>
      <VirtualTable label="Batches" columns={columns} rowCount={batches.length} getRow={(i) => batches[i]} />
    </div>
  );
}
