import type { HostStatus } from '@boocontrol/contracts';

export function StatusDot({ status, title }: { status: HostStatus | string; title?: string }) {
  return <span className={`status-dot dot-${status}`} title={title ?? status} aria-hidden />;
}
