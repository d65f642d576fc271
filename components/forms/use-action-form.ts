'use client';

import { useActionState } from 'react';
import type { ActionState } from '@/lib/actions';

/**
 * A form bound to a server action: its last result, and on failure the field errors and the
 * submitted values (React resets the form after an action; inputs take these as defaults).
 */
export function useActionForm<T>(
  action: (state: ActionState<T>, formData: FormData) => Promise<ActionState<T>>,
) {
  const [state, formAction] = useActionState(action, null);
  const failed = state && !state.ok ? state : undefined;
  return { state, formAction, errors: failed?.fieldErrors, values: failed?.values };
}
