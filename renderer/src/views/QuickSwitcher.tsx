// Ctrl/Cmd-K: type to find a shard, a tab of the open shard, or an action; Enter goes there.
import { useMemo, useState } from 'react';
import { Dialog } from '../components/Dialog';
import { shortId } from '../format';
import { useShardsCached } from '../queries/shards';
import { TAB_IDS, type TabId } from '../route';
import { tabOf } from './ShardView';

export type SwitcherAction = 'locations' | 'shards' | 'create';

type Item =
  | { kind: 'shard'; id: string; label: string; hint: string }
  | { kind: 'tab'; id: TabId; label: string; hint: string }
  | { kind: 'action'; id: SwitcherAction; label: string; hint: string };

const ACTIONS: Item[] = [
  { kind: 'action', id: 'shards', label: 'All shards', hint: 'action' },
  { kind: 'action', id: 'create', label: 'Create shard…', hint: 'action' },
  { kind: 'action', id: 'locations', label: 'Change location…', hint: 'action' },
];

export function QuickSwitcher({ open, loc, shard, onClose, onShard, onTab, onAction }: {
  open: boolean;
  loc: string;
  shard: string | null;
  onClose: () => void;
  onShard: (id: string) => void;
  onTab: (t: TabId) => void;
  onAction: (a: SwitcherAction) => void;
}) {
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const shards = useShardsCached(loc);
  const items = useMemo(() => {
    const all: Item[] = [
      ...(shard ? TAB_IDS.map((t): Item => ({ kind: 'tab', id: t, label: `${tabOf(t)} tab`, hint: 'tab of this shard' })) : []),
      ...(shards ?? []).map((s): Item => ({ kind: 'shard', id: s.id, label: s.name ?? '(unnamed)', hint: shortId(s.id) })),
      ...ACTIONS,
    ];
    const q = text.trim().toLowerCase();
    const hits = q ? all.filter((i) => i.label.toLowerCase().includes(q) || (i.kind === 'shard' && i.id.includes(q))) : all;
    return hits.slice(0, 50);
  }, [shards, shard, text]);
  const close = () => {
    setText('');
    setActive(0);
    onClose();
  };
  const choose = (i: Item | undefined) => {
    if (!i) return;
    close();
    if (i.kind === 'shard') onShard(i.id);
    else if (i.kind === 'tab') onTab(i.id);
    else onAction(i.id);
  };
  const at = Math.min(active, Math.max(0, items.length - 1));
  return (
    <Dialog title="Go to" open={open} onClose={close}>
      <input
        role="combobox"
        aria-label="Go to shard, tab or action"
        aria-expanded="true"
        aria-controls="switcher-list"
        aria-activedescendant={items[at] ? `switcher-${at}` : undefined}
        value={text}
        autoFocus
        placeholder="Shard name, tab or action"
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, items.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else if (e.key === 'Enter') choose(items[at]);
          else return;
          e.preventDefault();
        }}
        className="switcher-input"
      />
      <ul id="switcher-list" role="listbox" aria-label="Matches" className="switcher-list">
        {items.length === 0 && <li className="muted">Nothing matches “{text}”.</li>}
        {items.map((i, n) => (
          <li key={`${i.kind}:${i.id}`} id={`switcher-${n}`} role="option" aria-selected={n === at} onMouseDown={(e) => e.preventDefault()} onClick={() => choose(i)}>
            <span>{i.label}</span> <span className="muted">{i.hint}</span>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
