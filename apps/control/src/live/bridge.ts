import type { Alert, BenchLiveFrame, EvalLiveFrame, Job } from '@boocontrol/contracts';
import type { ActivityService } from '../activity/activity.service';
import type { EventBus } from '../events/bus';
import type { FleetState } from '../fleet/fleet-state';
import type { LogsService } from '../logs/logs.service';
import type { Hub, HubStats } from './hub';

/**
 * The one place where domain events become WS topics. Producers publish on the bus and never
 * see the hub; a topic's snapshot comes from the service that owns the state. Features get this
 * bridge (ctx.live), never the hub.
 */
export class LiveBridge {
  constructor(
    private readonly bus: EventBus,
    private readonly hub: Hub,
  ) {}

  /** Whether anyone watches a topic (so a producer can skip work nobody would see). */
  watching(topic: string): boolean {
    return this.hub.hasSubscribers(topic);
  }

  stats(): HubStats {
    return this.hub.stats;
  }

  jobs(recent: () => readonly Job[]): void {
    this.hub.register('jobs', { snapshot: () => ({ jobs: recent() }) });
    this.bus.on('job.changed', (e) => this.hub.publish('jobs', { kind: 'job', job: e.job }));
  }

  activity(activity: ActivityService): void {
    this.hub.register('activity', { snapshot: () => ({ rows: activity.recentRows() }) });
    // One conversion per batch: the snapshot and the delta share the rows.
    this.bus.on('activity.stored', (e) => this.hub.publish('activity', { kind: 'rows', rows: activity.remember(e.rows) }));
  }

  /** `fleet` and `host:<id>`: a change is published after the state holds it (hub seq semantics). */
  fleet(fleet: FleetState): void {
    this.hub.register('fleet', { snapshot: () => ({ hosts: fleet.list() }) });
    this.hub.register('host', {
      snapshot: (topic) => {
        const host = fleet.get(topic.slice('host:'.length));
        return host ? { host } : undefined;
      },
    });
    this.bus.on('host.changed', ({ host }) => {
      this.hub.publish('fleet', { kind: 'host', host });
      this.hub.publish(`host:${host.id}`, { kind: 'host', host });
    });
    this.bus.on('host.removed', ({ hostId }) => {
      this.hub.publish('fleet', { kind: 'removed', hostId });
      this.hub.publish(`host:${hostId}`, { kind: 'removed', hostId });
    });
  }

  /** `alerts`: the firing alerts, then each alert as it fires or resolves. */
  alerts(firing: () => readonly Alert[]): void {
    this.hub.register('alerts', { snapshot: () => ({ alerts: firing() }) });
    this.bus.on('alert.changed', (e) => this.hub.publish('alerts', { kind: 'alert', alert: e.alert }));
  }

  logs(logs: LogsService): void {
    this.hub.register('logs', { snapshot: (topic) => logs.snapshot(topic) });
    this.bus.on('log.appended', (e) => {
      if (this.hub.hasSubscribers(e.topic)) this.hub.publish(e.topic, { kind: 'append', text: e.text });
    });
  }

  /** `bench`: active runs in the snapshot, one frame per progress step. */
  bench(active: () => readonly BenchLiveFrame[]): void {
    this.hub.register('bench', { snapshot: () => ({ runs: active() }) });
    this.bus.on('bench.progress', (e) => this.hub.publish('bench', { kind: 'progress', run: e.frame }));
  }

  /** `evals`: active runs in the snapshot, one frame per finished item. */
  evals(active: () => readonly EvalLiveFrame[]): void {
    this.hub.register('evals', { snapshot: () => ({ runs: active() }) });
    this.bus.on('eval.progress', (e) => this.hub.publish('evals', { kind: 'progress', run: e.frame }));
  }
}
