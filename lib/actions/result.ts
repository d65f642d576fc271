import type { ErrorCode, FieldErrors } from '@/lib/errors';

export type ActionResult<T = undefined> =
  | { ok: true; data: T }
  | { ok: false; code: ErrorCode; message: string; fieldErrors?: FieldErrors };

/** What a form's useActionState starts with before its first submission. */
export type ActionState<T = undefined> = ActionResult<T> | null;
