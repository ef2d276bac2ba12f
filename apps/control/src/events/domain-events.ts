import type { JobFrame } from '@boocontrol/contracts';
import type { StoredActivity } from '../activity/activity.repo';

/**
 * What happens on the fleet, as the domain sees it. Producers publish these; consumers (the live
 * bridge, retention, and every wave-2 feature: bench, evals, gateway, alerts) subscribe. New
 * kinds are added here so that every subscriber's `switch` stays exhaustive.
 */
export type DomainEvent =
  | { type: 'activity.stored'; rows: readonly StoredActivity[] }
  | { type: 'job.changed'; job: JobFrame };

export type DomainEventType = DomainEvent['type'];
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
