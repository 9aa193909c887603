// "Create shard": a name and the key and value codecs.
import { useState } from 'react';
import type { CodecName, ShardSummary } from '../../../preload/contract';
import { Dialog } from '../components/Dialog';
import { ErrorState } from '../components/ErrorState';
import { useCreateShard } from '../queries/actions';
import { CodecSelect } from '../components/CodecSelect';


export function CreateShardDialog({ loc, open, onClose, onCreated }: {
  loc: string;
  open: boolean;
  onClose: () => void;
  onCreated: (s: ShardSummary) => void;
}) {
  const [name, setName] = useState('');
  const [keyCodec, setKeyCodec] = useState<CodecName>('string');
  const [valCodec, setValCodec] = useState<CodecName>('string');
  const create = useCreateShard(loc);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name: name.trim(), keyCodec, valCodec },
      {
        onSuccess: (s) => {
          setName('');
          create.reset();
          onCreated(s);
        },
      },
    );
  };
  return (
    <Dialog title="Create shard" open={open} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus placeholder="e.g. orders" />
        </label>
        <CodecSelect label="Key codec" value={keyCodec} onChange={setKeyCodec} />
        <CodecSelect label="Value codec" value={valCodec} onChange={setValCodec} />
        {create.error && <ErrorState error={create.error} title="The shard was not created" />}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending || !name.trim()}>
            {create.isPending ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
