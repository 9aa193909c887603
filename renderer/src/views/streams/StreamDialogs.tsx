// The Streams view's dialogs on one stream: create, write, seal, allow compaction, destroy.
// Every input is checked as it is typed; the action button is disabled while it runs.
import { useState } from 'react';
import type { CodecName } from '../../../../preload/contract';
import type { StreamSummary } from '../../../../preload/streams-contract';
import { Dialog, TypeToConfirmDialog } from '../../components/Dialog';
import { ErrorState } from '../../components/ErrorState';
import { FieldError } from '../../components/FieldError';
import { fmtFrontier } from '../../format';
import { parseWhole } from '../../validate';
import { useStreamAction } from './queries';
import { blankRow, checkRows, Problems, RowsEditor, type RowText } from './RowsEditor';
import { CodecSelect } from '../../components/CodecSelect';


function Actions({ onClose, busy, disabled, label, busyLabel }: { onClose: () => void; busy: boolean; disabled: boolean; label: string; busyLabel: string }) {
  return (
    <div className="dialog-actions">
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      <button type="submit" className="primary" disabled={busy || disabled}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}

export function CreateStreamDialog({ loc, open, onClose }: { loc: string; open: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [keyCodec, setKeyCodec] = useState<CodecName>('string');
  const [valCodec, setValCodec] = useState<CodecName>('string');
  const create = useStreamAction(loc, 'streams.create');
  const problem = name.trim() === '' ? 'the stream needs a name' : name.trim().length > 200 ? 'a stream name has at most 200 characters' : null;
  const close = () => {
    create.reset();
    onClose();
  };
  return (
    <Dialog title="Create stream" open={open} onClose={close}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (problem) return;
          create.mutate({ name: name.trim(), keyCodec, valCodec }, { onSuccess: () => (setName(''), close()) });
        }}
      >
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} autoFocus placeholder="e.g. orders" />
        </label>
        <CodecSelect label="Key codec" value={keyCodec} onChange={setKeyCodec} />
        <CodecSelect label="Value codec" value={valCodec} onChange={setValCodec} />
        {name !== '' && <FieldError id="stream-name-problem" message={problem} />}
        {create.error && <ErrorState error={create.error} title="The stream was not created" />}
        <Actions onClose={close} busy={create.isPending} disabled={!!problem} label="Create" busyLabel="Creating…" />
      </form>
    </Dialog>
  );
}

export function StreamWriteDialog({ loc, stream, open, onClose }: { loc: string; stream: StreamSummary; open: boolean; onClose: () => void }) {
  const [rows, setRows] = useState<RowText[]>([blankRow(String(stream.seal ?? 0))]);
  const write = useStreamAction(loc, 'streams.write');
  const check = checkRows(stream, rows);
  const close = () => {
    write.reset();
    onClose();
  };
  return (
    <Dialog title={`Write to ${stream.name}`} open={open} onClose={close}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!check.updates) return;
          write.mutate({ stream: stream.name, updates: check.updates }, { onSuccess: () => (setRows([blankRow(String(stream.seal ?? 0))]), close()) });
        }}
      >
        <p className="muted">Writes may be at any time at or after the seal ({fmtFrontier(stream.seal)}); they are durable when Write returns.</p>
        <RowsEditor stream={stream} rows={rows} onChange={setRows} />
        <Problems messages={check.messages} />
        {write.error && <ErrorState error={write.error} title="Nothing was written" />}
        <Actions onClose={close} busy={write.isPending} disabled={!check.updates} label="Write" busyLabel="Writing…" />
      </form>
    </Dialog>
  );
}

/** Seal or allow compaction: one time, at or after the stream's current seal / since. */
export function StreamFrontierDialog({ loc, stream, kind, open, onClose }: { loc: string; stream: StreamSummary; kind: 'seal' | 'since'; open: boolean; onClose: () => void }) {
  const [text, setText] = useState('');
  const seal = useStreamAction(loc, 'streams.seal');
  const compact = useStreamAction(loc, 'streams.allowCompaction');
  const m = kind === 'seal' ? seal : compact;
  const current = (kind === 'seal' ? stream.seal : stream.since) ?? 0;
  const rule = kind === 'seal'
    ? { name: 'the seal', min: current, minLabel: `the current seal, ${current}` }
    : { name: 'the since', min: current, minLabel: `the current since, ${current}` };
  const t = parseWhole(text, rule);
  const close = () => {
    m.reset();
    setText('');
    onClose();
  };
  const title = kind === 'seal' ? `Seal ${stream.name}` : `Allow compaction of ${stream.name}`;
  return (
    <Dialog title={title} open={open} onClose={close}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!t.ok) return;
          if (kind === 'seal') seal.mutate({ stream: stream.name, upper: t.value }, { onSuccess: close });
          else compact.mutate({ stream: stream.name, since: t.value }, { onSuccess: close });
        }}
      >
        <p className="muted">
          {kind === 'seal'
            ? `Sealing at t moves every write before t into the stream's shard; no write before t is accepted afterwards. The seal is ${fmtFrontier(stream.seal)}.`
            : `Times before the since may be compacted together: reads before it are no longer exact. The since is ${fmtFrontier(stream.since)}.`}
        </p>
        <label>
          {kind === 'seal' ? 'Seal at' : 'Since'}
          <input aria-label={kind === 'seal' ? 'Seal at' : 'Since'} inputMode="numeric" value={text} onChange={(e) => setText(e.target.value)} autoFocus />
        </label>
        {text !== '' && <FieldError id={`${kind}-problem`} message={t.ok ? null : t.message} />}
        {m.error && <ErrorState error={m.error} title={kind === 'seal' ? 'The stream was not sealed' : 'The since did not move'} />}
        <Actions onClose={close} busy={m.isPending} disabled={!t.ok} label={kind === 'seal' ? 'Seal' : 'Allow compaction'} busyLabel="Working…" />
      </form>
    </Dialog>
  );
}

export function DestroyStreamDialog({ loc, stream, open, onClose }: { loc: string; stream: StreamSummary; open: boolean; onClose: () => void }) {
  const destroy = useStreamAction(loc, 'streams.destroy');
  const close = () => {
    destroy.reset();
    onClose();
  };
  return (
    <TypeToConfirmDialog
      title={`Destroy ${stream.name}`}
      open={open}
      name={stream.name}
      confirmLabel={destroy.isPending ? 'Destroying…' : 'Destroy stream'}
      busy={destroy.isPending}
      body={
        <p>
          Destroys the stream <strong>{stream.name}</strong>: its writes ({stream.unsealedUpdates} unsealed) and its shard <code>{stream.shard}</code> are
          finalized and their blobs deleted. This cannot be undone.
        </p>
      }
      error={destroy.error && <ErrorState error={destroy.error} title="The stream was not destroyed" />}
      onConfirm={(typed) => destroy.mutate({ stream: stream.name, confirmName: typed }, { onSuccess: close })}
      onClose={close}
    />
  );
}
