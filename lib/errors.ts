export const errorCodes = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  slug_taken: 409,
  invalid_transition: 409,
  invalid_input: 400,
  rate_limited: 429,
  quota_exceeded: 402,
  limit_reached: 422,
  feature_disabled: 403,
  tenant_suspended: 403,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;
export type FieldErrors = Record<string, string[]>;

/** The one error type of the application; the action and route wrappers map it at the boundary. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fieldErrors?: FieldErrors;
  readonly retryAfterSeconds?: number;

  constructor(
    code: ErrorCode,
    message: string,
    options: { fieldErrors?: FieldErrors; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.fieldErrors = options.fieldErrors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return errorCodes[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
