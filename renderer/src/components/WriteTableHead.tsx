// The header of the update-entry tables (a shard's Write dialog, a stream's rows): each column
// says what its codec expects.
const HINT: Record<string, string> = {
  string: 'text',
  json: 'JSON, e.g. {"a": 1}',
  bytes: 'hex, e.g. 0a1b',
  unit: '(ignored)',
};

export function WriteTableHead({ codecs }: { codecs: { key: string; val: string } }) {
  return (
    <thead>
      <tr>
        <th>Key ({HINT[codecs.key] ?? codecs.key})</th>
        <th>Value ({HINT[codecs.val] ?? codecs.val})</th>
        <th>Time</th>
        <th>Diff</th>
        <th />
      </tr>
    </thead>
  );
}
