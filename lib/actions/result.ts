import type { ErrorCode, FieldErrors } from '@/lib/errors';

export type ActionFailure = {
  ok: false;
  code: ErrorCode;
  message: string;
  fieldErrors?: FieldErrors;
  /** What was submitted (never passwords), so the form can show it again after React resets it. */
  values?: Record<string, string>;
};

export type ActionResult<T = void> = { ok: true; data: T } | ActionFailure;

/** What a form's useActionState starts with before its first submission. */
export type ActionState<T = void> = ActionResult<T> | null;
