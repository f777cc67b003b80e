import type { RunStatus } from '../../../src/server/types.ts';

export function StatusBadge({ status, title }: { status: RunStatus | string; title?: string }) {
  return (
    <span className={`badge badge-${status}`} title={title} data-status={status}>
      {status}
    </span>
  );
}
