import type { EvalSuiteKind } from '@boocontrol/contracts';
import { AppError } from '../../lib/errors';
import { codeGrader } from './code';
import { utilityGrader } from './utility';
import { chatGrader } from './chat';
import { calibrationGrader } from './calibration';
import { niahGrader } from './niah';
import type { Grader } from './types';

const GRADERS: Partial<Record<EvalSuiteKind, Grader>> = { code: codeGrader, utility: utilityGrader, chat: chatGrader, calibration: calibrationGrader, 'long-context': niahGrader };

export function graderFor(kind: EvalSuiteKind): Grader {
  const g = GRADERS[kind];
  if (!g) throw new AppError('EVAL_SUITE_INVALID', `no grader for suite kind ${kind}`);
  return g;
}
