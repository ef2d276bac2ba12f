import type { EvalLiveFrame } from '@boocontrol/contracts';
import type { ControlContext, Feature } from '../context';
import type { LeaseService } from '../lease/lease.service';
import { EvalRepo } from './eval.repo';
import { registerEvalJob } from './eval.job';
import { registerEvalRoutes } from './eval.routes';
import { EvalService } from './eval.service';
import { Sandbox } from './sandbox/sandbox';
import { DEFAULT_SUITES_DIR, SuiteStore } from './suites/loader';

export interface EvalFeatureOptions {
  suitesDir?: string;
  /** sandboxes at once (default 2: this machine has 2 cores; more would change timeout verdicts) */
  sandboxPool?: number;
  /** a bwrap path (tests point it at nothing to prove the refusal) */
  bwrap?: string;
}

export interface EvalFeature extends Feature {
  service: EvalService;
  sandbox: Sandbox;
}

/**
 * Quality evals (issue 12): the `eval` job type, its REST, the `evals` live topic and the code
 * sandbox, proven by its self-test at start-up. Needs the bench feature's fleet lease.
 */
export function createEvalFeature(ctx: ControlContext, leases: LeaseService, opts: EvalFeatureOptions = {}): EvalFeature {
  const repo = new EvalRepo(ctx.dbState.db);
  const suites = new SuiteStore(opts.suitesDir ?? ctx.config.EVAL_SUITES_DIR ?? DEFAULT_SUITES_DIR);
  const sandbox = new Sandbox(opts.sandboxPool ?? ctx.config.EVAL_SANDBOX_POOL, { bwrap: opts.bwrap });
  const live = new Map<string, EvalLiveFrame>();
  registerEvalJob(ctx.queue.registry, { repo, suites, sandbox, hosts: ctx.hosts, fleet: ctx.fleet, leases, bus: ctx.bus, live });
  const service = new EvalService({ repo, suites, sandbox, queue: ctx.queue, hosts: ctx.hosts, fleet: ctx.fleet, leases, live });
  ctx.live.evals(() => service.liveRuns());
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () =>
    repo.interruptUnfinished(new Date()).then(
      (n) => n > 0 && ctx.log.warn({ runs: n }, 'eval runs whose job ended are now interrupted (resume them to finish)'),
      (err: unknown) => ctx.log.error({ err }, 'eval sweep failed'),
    );
  return {
    name: 'evals',
    service,
    sandbox,
    routes(app, registry) {
      registerEvalRoutes(app, registry, service, suites, sandbox);
    },
    async start() {
      await sweep();
      sweeper = setInterval(() => void sweep(), 30_000);
      sweeper.unref();
      // Prove the sandbox before any code eval can start; a failure only refuses code evals.
      // (`lazy` proves it on the first code eval instead: ensure() always runs it first.)
      if (ctx.config.EVAL_SANDBOX_SELFTEST === 'lazy') return;
      void sandbox.selftest().then(
        (r) => (r.passed ? ctx.log.info({ coldStartMs: r.coldStartMs }, 'eval sandbox self-test passed') : ctx.log.warn({ failures: r.failures }, 'eval sandbox unavailable: code evals are refused')),
        (err: unknown) => ctx.log.error({ err }, 'eval sandbox self-test crashed'),
      );
    },
    async stop() {
      clearInterval(sweeper);
    },
  };
}
