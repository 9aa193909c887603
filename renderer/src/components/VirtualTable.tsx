// A virtualized table (ARIA table roles, only visible rows in the DOM) for every list of the app.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: string;
  /** CSS grid track, e.g. "120px" or "2fr" */
  width: string;
  align?: 'left' | 'right';
  render: (row: T, index: number) => ReactNode;
  /** makes the column sortable by this value (the caller sorts: see sortRows) */
  sortValue?: (row: T) => number | string | null;
}

export interface Sort {
  key: string;
  dir: 'asc' | 'desc';
}

/** Rows in the order of the sorted column (a stable sort; nulls last either way). */
export function sortRows<T>(rows: readonly T[], columns: Column<T>[], sort: Sort | null): readonly T[] {
  const col = sort && columns.find((c) => c.key === sort.key);
  if (!sort || !col?.sortValue) return rows;
  const v = col.sortValue;
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = v(a);
    const y = v(b);
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sign;
  });
}

/** The next sort when a header is clicked: ascending, then descending, then back to asc. */
export const nextSort = (cur: Sort | null, key: string): Sort => (cur?.key === key && cur.dir === 'asc' ? { key, dir: 'desc' } : { key, dir: 'asc' });

interface Props<T> {
  label: string;
  columns: Column<T>[];
  rowCount: number;
  getRow: (index: number) => T | undefined;
  getRowKey?: (row: T | undefined, index: number) => string | number;
  rowHeight?: number;
  /** visible index range, for paged data */
  onRange?: (start: number, end: number) => void;
  className?: string;
  sort?: Sort | null;
  onSort?: (key: string) => void;
  /** scrolls to a row when this changes (n: a counter, so the same row can be jumped to again) */
  jump?: { index: number; n: number } | null;
}

export function VirtualTable<T>({ label, columns, rowCount, getRow, getRowKey, rowHeight = 30, onRange, className, sort, onSort, jump }: Props<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    initialRect: { width: 800, height: 400 },
  });
  const items = v.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    onRange?.(first, last);
  }, [first, last, onRange]);
  useEffect(() => {
    if (jump && rowCount > 0) v.scrollToIndex(Math.min(Math.max(0, jump.index), rowCount - 1), { align: 'start' });
  }, [jump, rowCount, v]);
  // Home/End jump to the first/last row however many there are (the body keeps focus)
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (rowCount === 0) return;
    if (e.key === 'Home') v.scrollToIndex(0, { align: 'start' });
    else if (e.key === 'End') v.scrollToIndex(rowCount - 1, { align: 'end' });
    else return;
    e.preventDefault();
  };
  const template = columns.map((c) => c.width).join(' ');
  return (
    <div className={`vtable ${className ?? ''}`} role="table" aria-label={label} aria-rowcount={rowCount + 1}>
      <div className="vtable-head" role="rowgroup">
        <div className="vtable-row" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
          {columns.map((c) => (
            <div
              key={c.key}
              role="columnheader"
              className={c.align === 'right' ? 'num' : undefined}
              aria-sort={sort?.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : c.sortValue && onSort ? 'none' : undefined}
            >
              {c.sortValue && onSort ? (
                <button type="button" className="sort" onClick={() => onSort(c.key)}>
                  {c.header}
                  <span aria-hidden="true">{sort?.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                </button>
              ) : (
                c.header
              )}
            </div>
          ))}
        </div>
      </div>
      <div className="vtable-body" ref={scrollRef} role="rowgroup" tabIndex={0} aria-label={`${label} rows`} aria-keyshortcuts="Home End" onKeyDown={onKeyDown}>
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = getRow(item.index);
            return (
              <div
                key={getRowKey ? getRowKey(row, item.index) : item.index}
                className={`vtable-row ${item.index % 2 ? 'odd' : ''}`}
                role="row"
                aria-rowindex={item.index + 2}
                style={{ gridTemplateColumns: template, height: rowHeight, transform: `translateY(${item.start}px)` }}
              >
                {columns.map((c) => (
                  <div key={c.key} role="cell" className={c.align === 'right' ? 'num' : undefined}>
                    {row === undefined ? <span className="placeholder">…</span> : c.render(row, item.index)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
