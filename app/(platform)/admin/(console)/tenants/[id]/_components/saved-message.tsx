import type { ActionState } from '@/lib/actions';

/** What every console form's action returns on success. */
export type ConsoleSaved = { id: string; message: string };

export type ConsoleAction = (
  state: ActionState<ConsoleSaved>,
  formData: FormData,
) => Promise<ActionState<ConsoleSaved>>;

export function SavedMessage({ state }: { state: ActionState<ConsoleSaved> }) {
  if (!state?.ok) return null;
  return (
    <p
      role="status"
      className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
    >
      {state.data.message}
    </p>
  );
}
