// The codec picker of the create forms (shards and streams): one list of the engine's codecs.
import type { CodecName } from '../../../preload/contract';

const CODECS: CodecName[] = ['string', 'json', 'bytes', 'unit'];

export function CodecSelect({ label, value, onChange }: { label: string; value: CodecName; onChange: (c: CodecName) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value as CodecName)}>
        {CODECS.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
    </label>
  );
}
