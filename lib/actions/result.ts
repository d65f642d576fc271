import type { ErrorCode, FieldErrors } from '@/lib/errors';

export type ActionResult<T = void> =
  | { ok: true; data: T }
  | { ok: false; code: ErrorCode; message: string; fieldErrors?: FieldErrors };

/** What a form's useActionState starts with before its first submission. */
export type ActionState<T = void> = ActionResult<T> | null;
