/**
 * The runs table: sortable headers, a checkbox per row for compare, and windowed rows (only the
 * visible ones are in the DOM) unless `virtual` is off (the benchmark's baseline).
 */
import { useRef, type ReactNode } from 'react';
import type { RunListItem } from '../../../src/server/types.ts';
import { ago, bpb, seconds, si, value } from '../format.ts';
import { href } from '../router.ts';
import { StatusBadge } from './status-badge.tsx';
import { useWindow } from './use-window.ts';

export interface Column {
  key: string; // a field of RunListItem or a config key
  label: string;
  width: number; // px
  render: (r: RunListItem) => ReactNode;
  numeric?: boolean;
}

export const ROW_HEIGHT = 26;

export function baseColumns(): Column[] {
  return [
    {
      key: 'status',
      label: 'status',
      width: 92,
      render: (r) => <StatusBadge status={r.status} title={r.statusReason} />,
    },
    { key: 'id', label: 'run', width: 190, render: (r) => <a href={href(`runs/${r.id}`)}>{r.id}</a> },
    { key: 'valBpb', label: 'val bpb', width: 80, numeric: true, render: (r) => bpb(r.valBpb) },
    { key: 'preset', label: 'preset', width: 70, render: (r) => r.preset ?? '–' },
    { key: 'seed', label: 'seed', width: 50, numeric: true, render: (r) => r.seed },
    { key: 'tokens', label: 'tokens', width: 70, numeric: true, render: (r) => si(r.tokens) },
    { key: 'flops', label: 'FLOPs', width: 70, numeric: true, render: (r) => si(r.flops) },
    { key: 'params', label: 'params', width: 70, numeric: true, render: (r) => si(r.params) },
    { key: 'wallSeconds', label: 'wall', width: 60, numeric: true, render: (r) => seconds(r.wallSeconds) },
    { key: 'createdAt', label: 'created', width: 90, render: (r) => ago(r.createdAt) },
    {
      key: 'stopRule',
      label: 'stop',
      width: 120,
      render: (r) => r.stopRule ?? (r.status === 'stopped' ? r.statusReason : '') ?? '',
    },
  ];
}

export function configColumns(keys: string[]): Column[] {
  return keys.map((k) => ({
    key: k,
    label: k,
    width: Math.min(170, Math.max(80, 20 + k.length * 7.5)),
    numeric: true,
    render: (r) => value(r.config[k]),
  }));
}

interface Props {
  rows: RunListItem[];
  columns: Column[];
  sort: string;
  onSort: (key: string) => void;
  selected: Set<string>;
  onSelect: (id: string, on: boolean) => void;
  virtual: boolean;
}

export function RunsTable({ rows, columns, sort, onSort, selected, onSelect, virtual }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const win = useWindow(box, rows.length, ROW_HEIGHT);
  const first = virtual ? win.first : 0;
  const last = virtual ? win.last : rows.length;
  const template = `28px ${columns.map((c) => `${c.width}px`).join(' ')}`;
  const width = 28 + columns.reduce((a, c) => a + c.width, 0);
  const sortKey = sort.replace(/^-/, '');
  return (
    <div className="runs-table" ref={box} data-rows={rows.length} data-virtual={virtual ? '1' : '0'}>
      <div className="rt-head" style={{ gridTemplateColumns: template, width }}>
        <span />
        {columns.map((c) => (
          <button
            key={c.key}
            className={`rt-th${c.numeric ? ' num' : ''}`}
            onClick={() => onSort(c.key)}
            title={`sort by ${c.key}`}
          >
            {c.label}
            {sortKey === c.key ? (sort.startsWith('-') ? ' ▼' : ' ▲') : ''}
          </button>
        ))}
      </div>
      <div className="rt-body" style={{ height: virtual ? win.total : undefined, width }}>
        {rows.slice(first, last).map((r, i) => (
          <div
            key={r.id}
            className="rt-row"
            data-run={r.id}
            data-status={r.status}
            style={{
              gridTemplateColumns: template,
              ...(virtual ? { position: 'absolute', top: (first + i) * ROW_HEIGHT } : {}),
            }}
          >
            <input
              type="checkbox"
              checked={selected.has(r.id)}
              onChange={(e) => onSelect(r.id, e.target.checked)}
              aria-label={`select ${r.id}`}
            />
            {columns.map((c) => (
              <span key={c.key} className={c.numeric ? 'num' : undefined}>
                {c.render(r)}
              </span>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
