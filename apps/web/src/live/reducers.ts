import type { ActivityRowLive, Alert, BenchLiveFrame, EvalLiveFrame, HostSummary, Job, JobFrame } from '@boocontrol/contracts';
import { topicKind } from '@boocontrol/contracts';

/** How each topic kind turns a snapshot and its deltas into one state value for the views. */
export interface TopicReducer<S> {
  snapshot(data: unknown): S;
  event(state: S, data: unknown): S;
}

export interface FleetView {
  hosts: HostSummary[];
}
export interface JobsView {
  jobs: Job[];
  /** Latest frames per job id, for progress and output that arrived after the snapshot. */
  frames: Record<string, JobFrame>;
  output: Record<string, string>;
}

const MAX_ACTIVITY = 1000;
const MAX_LOG_CHARS = 2_000_000;
const MAX_JOB_OUTPUT = 64 * 1024;

const sortHosts = (hosts: HostSummary[]) => [...hosts].sort((a, b) => a.id.localeCompare(b.id));

const fleet: TopicReducer<FleetView> = {
  snapshot: (d) => ({ hosts: sortHosts((d as { hosts: HostSummary[] }).hosts) }),
  event(state, d) {
    const e = d as { kind: 'host'; host: HostSummary } | { kind: 'removed'; hostId: string };
    if (e.kind === 'removed') return { hosts: state.hosts.filter((h) => h.id !== e.hostId) };
    return { hosts: sortHosts([...state.hosts.filter((h) => h.id !== e.host.id), e.host]) };
  },
};

const host: TopicReducer<HostSummary | null> = {
  snapshot: (d) => (d as { host: HostSummary }).host,
  event: (_s, d) => {
    const e = d as { kind: 'host'; host: HostSummary } | { kind: 'removed' };
    return e.kind === 'host' ? e.host : null;
  },
};

const jobs: TopicReducer<JobsView> = {
  snapshot: (d) => ({ jobs: (d as { jobs: Job[] }).jobs, frames: {}, output: {} }),
  event(state, d) {
    const f = (d as { job: JobFrame }).job;
    const prev = state.output[f.jobId] ?? '';
    const out = f.line ? (prev + f.line).slice(-MAX_JOB_OUTPUT) : prev;
    return { jobs: state.jobs, frames: { ...state.frames, [f.jobId]: f }, output: { ...state.output, [f.jobId]: out } };
  },
};

const activity: TopicReducer<ActivityRowLive[]> = {
  snapshot: (d) => (d as { rows: ActivityRowLive[] }).rows.slice(0, MAX_ACTIVITY),
  event: (s, d) => [...(d as { rows: ActivityRowLive[] }).rows, ...s].slice(0, MAX_ACTIVITY),
};

const logs: TopicReducer<string> = {
  snapshot: (d) => (d as { text: string }).text.slice(-MAX_LOG_CHARS),
  event: (s, d) => (s + (d as { text: string }).text).slice(-MAX_LOG_CHARS),
};

/** Bench runs by id: the snapshot's active runs, then each progress frame replaces its run. */
export type BenchView = Record<string, BenchLiveFrame>;
const bench: TopicReducer<BenchView> = {
  snapshot: (d) => Object.fromEntries((d as { runs: BenchLiveFrame[] }).runs.map((r) => [r.runId, r])),
  event: (s, d) => {
    const run = (d as { run: BenchLiveFrame }).run;
    return { ...s, [run.runId]: run };
  },
};

/** Firing alerts, oldest first; a resolved alert leaves the list. */
const alerts: TopicReducer<Alert[]> = {
  snapshot: (d) => (d as { alerts: Alert[] }).alerts,
  event(s, d) {
    const a = (d as { alert: Alert }).alert;
    const rest = s.filter((x) => x.id !== a.id);
    return a.state === 'firing' ? [...rest, a] : rest;
  },
};

/** Eval runs by id, the same way: the snapshot's active runs, then one frame per finished item. */
export type EvalsView = Record<string, EvalLiveFrame>;
const evals: TopicReducer<EvalsView> = {
  snapshot: (d) => Object.fromEntries((d as { runs: EvalLiveFrame[] }).runs.map((r) => [r.runId, r])),
  event: (s, d) => {
    const run = (d as { run: EvalLiveFrame }).run;
    return { ...s, [run.runId]: run };
  },
};

const REDUCERS = { fleet, host, jobs, activity, logs, bench, alerts, evals } as const;

export function reducerFor(topic: string): TopicReducer<unknown> {
  return REDUCERS[topicKind(topic)] as TopicReducer<unknown>;
}
