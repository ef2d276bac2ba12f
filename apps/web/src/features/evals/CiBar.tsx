import type { EvalCi } from '@boocontrol/contracts';
import { ciText, pct } from './format';

/** The score as a dot on a 0–100 % track with its 95 % interval as a bar: overlap is visible. */
export function CiBar({ score, ci, width = 140 }: { score: number; ci: EvalCi; width?: number }) {
  const x = (v: number) => 4 + Math.max(0, Math.min(1, v)) * (width - 8);
  return (
    <svg className="ci-bar" width={width} height={14} viewBox={`0 0 ${width} 14`} role="img" aria-label={`${pct(score)}, 95% CI ${ciText(ci)}`} data-testid="ci-bar">
      <title>{`${pct(score)} (95% CI ${ciText(ci)}, ${ci.method})`}</title>
      <line x1={4} x2={width - 4} y1={7} y2={7} className="ci-track" />
      <rect x={x(ci.low)} y={3} width={Math.max(1, x(ci.high) - x(ci.low))} height={8} rx={2} className="ci-range" />
      <circle cx={x(score)} cy={7} r={3.5} className="ci-dot" />
    </svg>
  );
}
