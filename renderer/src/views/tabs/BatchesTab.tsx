// Batches: every batch of the shard's spine, virtualized.
import type { BatchRow, ShardDetail } from '../../../../preload/contract';
import { Empty } from '../../components/ErrorState';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { fmtBytes, fmtCount, fmtFrontier } from '../../format';

const columns: Column<BatchRow>[] = [
  { key: 'lower', header: 'Lower', width: '1fr', align: 'right', render: (b) => fmtFrontier(b[0]) },
  { key: 'upper', header: 'Upper', width: '1fr', align: 'right', render: (b) => fmtFrontier(b[1]) },
  { key: 'since', header: 'Since', width: '1fr', align: 'right', render: (b) => fmtFrontier(b[2]) },
  { key: 'len', header: 'Len', width: '1fr', align: 'right', render: (b) => fmtCount(b[3]) },
  { key: 'parts', header: 'Parts', width: '1fr', align: 'right', render: (b) => b[4] },
  { key: 'bytes', header: 'Bytes', width: '1fr', align: 'right', render: (b) => fmtBytes(b[5]) },
  { key: 'level', header: 'Level', width: '0.6fr', align: 'right', render: (b) => b[6] },
];

export function BatchesTab({ detail }: { detail: ShardDetail }) {
  const batches = detail.batches;
  if (batches.length === 0) return <Empty>No batches: nothing has been written, or everything was empty.</Empty>;
  return (
    <div className="fill">
      <p className="muted" data-testid="batch-count">{fmtCount(batches.length)} batches</p>
      <VirtualTable label="Batches" columns={columns} rowCount={batches.length} getRow={(i) => batches[i]} />
    </div>
  );
}
