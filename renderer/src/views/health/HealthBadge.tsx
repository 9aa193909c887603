// A shard's worst health finding as a badge in the shard list (none when it is healthy).
import { useLocationHealth } from '../../queries/admin-tools';

const COLORS = { error: '#c0392b', warning: '#b9770e', info: '#5d6d7e' } as const;

export function HealthBadge({ loc, shard }: { loc: string; shard: string }) {
  const h = useLocationHealth(loc).data?.shards.find((s) => s.shard === shard);
  if (!h || h.severity === 'ok') return null;
  return (
    <span className="badge" data-testid="health-badge" style={{ background: COLORS[h.severity], color: 'white' }} title={h.findings.map((f) => f.summary).join('\n')}>
      {h.severity} · {h.findings.length}
    </span>
  );
}
