import { useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';
import { CompareView } from './CompareView';
import { LaunchForm } from './LaunchForm';
import { LiveRuns, type Launched } from './LiveRuns';
import { RunList } from './RunList';
import { RunResults } from './RunResults';
import './bench.css';

/**
 * The Benchmarks view: start a speed benchmark, watch it live, read its results (TTFT, TPOT and
 * tok/s against concurrency with the SLO bound and capacity marked; every request of a point),
 * and overlay runs. The open run (`?run=ID`) or comparison (`?compare=a,b`) lives in the URL, so
 * a result can be linked to.
 */
export function BenchmarksView() {
  const [params, setParams] = useSearchParams();
  const runId = params.get('run');
  const compare = (params.get('compare') ?? '').split(',').filter(Boolean);
  const [launched, setLaunched] = useState<Launched[]>([]);
  const show = (next: Record<string, string>) => setParams(next, { replace: false });
  const dismiss = useCallback((id: string) => setLaunched((l) => (l.some((x) => x.runId === id) ? l.filter((x) => x.runId !== id) : l)), []);

  return (
    <div className="bench" data-testid="view-benchmarks">
      <div className="bench-top">
        <div className="bench-col">
          <LaunchForm
            onStarted={(id, job) => {
              setLaunched((l) => [...l, { runId: id, job }]);
              show({ run: id });
            }}
          />
          <LiveRuns launched={launched} onDismiss={dismiss} />
        </div>
        <RunList openId={runId} compareIds={compare} onOpen={(id) => show({ run: id })} onCompare={(ids) => show({ compare: ids.join(',') })} />
      </div>
      {compare.length > 0 ? (
        <CompareView ids={compare} onOpen={(id) => show({ run: id })} />
      ) : runId ? (
        <RunResults id={runId} />
      ) : (
        <div className="placeholder">
          <p>Start a benchmark, or open a run from the list. Metric definitions: TTFT runs from the send to the first content or reasoning token; TPOT is (E2E − TTFT) / (output tokens − 1); tok/s counts output tokens that arrived inside the measured windows.</p>
        </div>
      )}
    </div>
  );
}
