'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage, TextField } from '@/components/ui/field';
import { SelectField, type SelectOption } from '@/components/ui/select';
import { SubmitButton } from '@/components/ui/submit-button';
import type { ActionState } from '@/lib/actions';
import type { CreatedInvitation } from '@/lib/invitations';

type Props = {
  /** Reports the invitation and what became of its e-mail; the token is never part of it. */
  action: (
    state: ActionState<CreatedInvitation>,
    formData: FormData,
  ) => Promise<ActionState<CreatedInvitation>>;
  /** Only the roles the viewer may grant. */
  roles: SelectOption[];
};

/** E-mail and role; the invitee gets a link that works once, for seven days. */
export function InviteForm({ action, roles }: Props) {
  const { state, formAction, errors, values } = useActionForm(action);
  const fallbackRole = roles.some((r) => r.value === 'member') ? 'member' : roles[0]?.value;
  const sent = state?.ok ? state.data : null;
  return (
    <form
      action={formAction}
      aria-labelledby="invite-heading"
      className="space-y-4 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
      noValidate
    >
      <h2 id="invite-heading" className="text-lg font-semibold">
        Invite someone
      </h2>
      <FormMessage result={state} />
      {sent ? (
        <p
          role="status"
          className={
            sent.delivery === 'failed'
              ? 'rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900'
              : 'rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800'
          }
        >
          {sent.delivery === 'failed'
            ? `The invitation for ${sent.invitation.email} was created, but the e-mail could not be sent. Invite again to send a new link.`
            : `Invitation sent to ${sent.invitation.email}.${sent.replacedId ? ' The earlier link no longer works.' : ''}`}
        </p>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-[2fr_1fr]">
        <TextField
          label="E-mail"
          name="email"
          type="email"
          autoComplete="off"
          required
          maxLength={254}
          defaultValue={values?.email ?? ''}
          errors={errors?.email}
        />
        <SelectField
          label="Role"
          name="role"
          options={roles}
          defaultValue={values?.role ?? fallbackRole}
          errors={errors?.role}
        />
      </div>
      <p className="text-xs text-slate-500">
        The link works once and expires after seven days. Inviting the same address again sends a
        new link and cancels the old one.
      </p>
      <SubmitButton pendingLabel="Sending…">Send invitation</SubmitButton>
    </form>
  );
}
