import type { Alert, BenchLiveFrame, EvalLiveFrame, HostSummary, JobFrame } from '@boocontrol/contracts';
import type { StoredActivity } from '../activity/activity.repo';
import type { TransitionInsert } from '../models/transitions.repo';
import type { PerfSampleInsert } from '../perf/perf.repo';
import type { LeaseRow } from '../lease/lease.repo';

/**
 * What happens on the fleet, as the domain sees it. Producers publish these; consumers (the live
 * bridge, retention, and every wave-2 feature: bench, evals, gateway, alerts) subscribe. New
 * kinds are added here so that every subscriber's `switch` stays exhaustive.
 */
export type DomainEvent =
  /** A host's live summary changed (status, models, in-flight, perf); `host` is the new state. */
  | { type: 'host.changed'; host: HostSummary }
  | { type: 'host.removed'; hostId: string }
  /** Rows the writer committed, in commit order. */
  | { type: 'activity.stored'; rows: readonly StoredActivity[] }
  | { type: 'transitions.stored'; rows: readonly TransitionInsert[] }
  | { type: 'perf.stored'; rows: readonly PerfSampleInsert[] }
  /** Log text of a host and source (`proxy`, `upstream`, `model:<id>`), batched per flush. */
  | { type: 'log.appended'; hostId: string; source: string; topic: string; text: string }
  | { type: 'job.changed'; job: JobFrame }
  /** A host's fleet lease was granted (lease) or released / lost (null). */
  | { type: 'lease.changed'; hostId: string; lease: LeaseRow | null }
  /** A bench run's progress (point i of n, live TTFT and tok/s), for the live view. */
  | { type: 'bench.progress'; frame: BenchLiveFrame }
  /** An alert fired or resolved (alerts/engine.ts). */
  | { type: 'alert.changed'; alert: Alert }
  /** An eval run's progress (item i of n, running score), for the live view. */
  | { type: 'eval.progress'; frame: EvalLiveFrame };

export type DomainEventType = DomainEvent['type'];
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
