// A modal dialog on the native <dialog> (focus kept inside, Escape closes).
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useConnected } from '../queries/connection';

export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const connected = useConnected();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-label={title} onClose={onClose} onCancel={onClose} className="dialog">
      {open && (
        <>
          <h2>{title}</h2>
          {!connected && (
            <p className="stale-notice" role="status" data-testid="dialog-connection">
              The connection to Shardscope is down; it reconnects by itself. What you typed here stays.
            </p>
          )}
          {children}
        </>
      )}
    </dialog>
  );
}

/** States exactly what will happen; the action button is the only way to proceed. */
export function ConfirmDialog(props: {
  title: string;
  open: boolean;
  body: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  error?: ReactNode;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog title={props.title} open={props.open} onClose={props.onClose}>
      <div className="dialog-body">{props.body}</div>
      {props.error}
      <div className="dialog-actions">
        <button type="button" onClick={props.onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

/**
 * A destructive action: states exactly what will happen and enables its button only once the user
 * has typed the object's name.
 */
export function TypeToConfirmDialog(props: {
  title: string;
  open: boolean;
  body: ReactNode;
  name: string;
  confirmLabel: string;
  busy?: boolean;
  error?: ReactNode;
  onConfirm: (typed: string) => void;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const close = () => {
    setTyped('');
    props.onClose();
  };
  return (
    <Dialog title={props.title} open={props.open} onClose={close}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed === props.name) props.onConfirm(typed);
        }}
      >
        <div className="dialog-body">{props.body}</div>
        <label>
          <span>
            Type <strong className="mono">{props.name}</strong> to confirm
          </span>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} autoFocus />
        </label>
        {props.error}
        <div className="dialog-actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={props.busy || typed !== props.name}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
