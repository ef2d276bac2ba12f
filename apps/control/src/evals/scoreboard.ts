// The scoreboard: the latest finished run per suite × model × host × exact config, with its CI,
// the judge's calibration next to judged scores, and which rows are separable (CIs apart, E5).
import { createHash } from 'node:crypto';
import type { EvalJudgeCalibration, EvalRun, EvalScoreboard, EvalScoreRow } from '@boocontrol/contracts';
import type { EvalRepo } from './eval.repo';
import { separable } from './stats';

/** Rows differ when anything that can change a score differs: suite hash, server cmd and build, sampling, judge. */
export function configKey(run: EvalRun): string {
  const p = run.provenance;
  const key = JSON.stringify([p?.suiteHash, p?.cmd, p?.build, p?.sampling, p?.judge]);
  return createHash('sha256').update(key).digest('hex').slice(0, 10);
}

export function calibrationOf(run: EvalRun): EvalJudgeCalibration | null {
  const s = run.summary;
  if (!s || run.kind !== 'calibration') return null;
  const f = s.figures as { agreement?: number; kappa?: number | null };
  return { hostId: run.hostId, model: run.model, runId: run.id, positionConsistency: s.score, agreement: f.agreement ?? 0, kappa: f.kappa ?? null, n: s.n, at: run.finishedAt ?? run.createdAt };
}

export async function latestCalibrations(repo: EvalRepo): Promise<Map<string, EvalJudgeCalibration>> {
  const out = new Map<string, EvalJudgeCalibration>();
  for (const r of await repo.finished()) {
    const c = calibrationOf(r);
    const k = `${r.hostId}\u0000${r.model}`;
    if (c && !out.has(k)) out.set(k, c);
  }
  return out;
}

export async function scoreboard(repo: EvalRepo, suite?: string): Promise<EvalScoreboard> {
  const runs = await repo.finished(suite);
  const calibrations = await latestCalibrations(repo);
  const seen = new Set<string>();
  const rows: EvalScoreRow[] = [];
  for (const run of runs) {
    if (!run.summary || !run.provenance) continue;
    const key = `${run.suite}\u0000${run.model}\u0000${run.hostId}\u0000${configKey(run)}`;
    if (seen.has(key)) continue; // newest first: the first seen is the latest
    seen.add(key);
    const j = run.provenance.judge;
    rows.push({
      suite: run.suite,
      suiteHash: run.provenance.suiteHash,
      model: run.model,
      hostId: run.hostId,
      configKey: configKey(run),
      runId: run.id,
      metric: run.summary.metric,
      score: run.summary.score,
      ci: run.summary.ci,
      n: run.summary.n,
      greedy: run.provenance.sampling.greedy,
      judge: j ? (calibrations.get(`${j.host}\u0000${j.model}`) ?? null) : null,
      finishedAt: run.finishedAt,
    });
  }
  rows.sort((a, b) => a.suite.localeCompare(b.suite) || b.score - a.score);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < rows.length; i++) {
    for (let k = i + 1; k < rows.length; k++) {
      const a = rows[i] as EvalScoreRow;
      const b = rows[k] as EvalScoreRow;
      if (a.suite === b.suite && a.suiteHash === b.suiteHash && separable(a.ci, b.ci)) pairs.push([a.runId, b.runId]);
    }
  }
  return { suite: suite ?? null, rows, separable: pairs };
}
