import type { EvalSuiteKind } from '@boocontrol/contracts';
import { AppError } from '../../lib/errors';
import { codeGrader } from './code';
import type { Grader } from './types';

const GRADERS: Partial<Record<EvalSuiteKind, Grader>> = { code: codeGrader };

export function graderFor(kind: EvalSuiteKind): Grader {
  const g = GRADERS[kind];
  if (!g) throw new AppError('EVAL_SUITE_INVALID', `no grader for suite kind ${kind}`);
  return g;
}
