import type { ErrorCode } from '@boocontrol/contracts';

/** The one error type domain code throws. Transports map `code` to a status via contracts. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
