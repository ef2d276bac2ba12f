import type { Job } from '@boocontrol/contracts';
import type { ActivityService } from '../activity/activity.service';
import type { EventBus } from '../events/bus';
import type { Hub } from './hub';

/**
 * The one place where domain events become WS topics. Producers publish on the bus and never
 * see the hub; a topic's snapshot comes from the service that owns the state.
 */
export function bridgeJobs(bus: EventBus, hub: Hub, recent: () => readonly Job[]): void {
  hub.register('jobs', { snapshot: () => ({ jobs: recent() }) });
  bus.on('job.changed', (e) => hub.publish('jobs', { kind: 'job', job: e.job }));
}

export function bridgeActivity(bus: EventBus, hub: Hub, activity: ActivityService): void {
  hub.register('activity', { snapshot: () => ({ rows: activity.recentRows() }) });
  // One conversion per batch: the snapshot and the delta share the rows.
  bus.on('activity.stored', (e) => hub.publish('activity', { kind: 'rows', rows: activity.remember(e.rows) }));
}
