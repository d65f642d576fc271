'use client';

import { useActionForm } from '@/components/forms/use-action-form';
import { FormMessage } from '@/components/ui/field';
import { SelectField } from '@/components/ui/select';
import { SubmitButton } from '@/components/ui/submit-button';
import { SavedMessage, type ConsoleAction } from './saved-message';

export type FeatureOverrideRow = {
  name: string;
  label: string;
  planDefault: string;
  choice: 'plan' | 'on' | 'off';
};
export type LimitOverrideRow = {
  name: string;
  label: string;
  planDefault: string;
  mode: 'plan' | 'custom' | 'unlimited';
  value: string;
};
export type OverageOverrideRow = {
  name: string;
  label: string;
  planDefault: string;
  choice: 'plan' | 'block' | 'allow' | 'notify';
};

type Props = {
  action: ConsoleAction;
  tenantId: string;
  features: FeatureOverrideRow[];
  limits: LimitOverrideRow[];
  overage: OverageOverrideRow[];
  /** Words for each overage policy ("Block", "Allow", "Notify"). */
  policyLabels: Record<Exclude<OverageOverrideRow['choice'], 'plan'>, string>;
};

/**
 * Per feature: the plan's default, on or off. Per limit: the plan's default, a number, or
 * unlimited. Per metered limit: the plan's overage policy, or block, allow or notify.
 */
export function OverridesForm({
  action,
  tenantId,
  features,
  limits,
  overage,
  policyLabels,
}: Props) {
  const { state, formAction, errors, values } = useActionForm(action);
  return (
    <form action={formAction} className="space-y-6" noValidate>
      <input type="hidden" name="id" value={tenantId} />
      <FormMessage result={state} />
      <SavedMessage state={state} />
      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-slate-800">Features</legend>
        {features.map((feature) => (
          <SelectField
            key={feature.name}
            label={feature.label}
            name={`feature.${feature.name}`}
            options={[
              { value: 'plan', label: `Plan default (${feature.planDefault})` },
              { value: 'on', label: 'On' },
              { value: 'off', label: 'Off' },
            ]}
            defaultValue={values?.[`feature.${feature.name}`] ?? feature.choice}
            errors={errors?.[`feature.${feature.name}`]}
            className="sm:grid sm:grid-cols-[16rem_1fr] sm:items-center sm:gap-4"
          />
        ))}
      </fieldset>
      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-slate-800">Limits</legend>
        <p className="text-xs text-slate-500">A number applies when “Custom” is chosen.</p>
        {limits.map((limit) => {
          const valueName = `limitValue.${limit.name}`;
          const valueErrors = errors?.[valueName];
          return (
            <div
              key={limit.name}
              className="grid gap-2 sm:grid-cols-[16rem_1fr_10rem] sm:items-start sm:gap-4"
            >
              <SelectField
                label={limit.label}
                name={`limitMode.${limit.name}`}
                options={[
                  { value: 'plan', label: `Plan default (${limit.planDefault})` },
                  { value: 'custom', label: 'Custom' },
                  { value: 'unlimited', label: 'Unlimited' },
                ]}
                defaultValue={values?.[`limitMode.${limit.name}`] ?? limit.mode}
                errors={errors?.[`limitMode.${limit.name}`]}
                className="sm:col-span-2 sm:grid sm:grid-cols-[16rem_1fr] sm:items-center sm:gap-4"
              />
              <div>
                <label htmlFor={valueName} className="sr-only">
                  {limit.label}: custom number
                </label>
                <input
                  id={valueName}
                  name={valueName}
                  inputMode="numeric"
                  placeholder="Custom"
                  defaultValue={values?.[valueName] ?? limit.value}
                  aria-invalid={valueErrors ? true : undefined}
                  aria-describedby={valueErrors ? `${valueName}-error` : undefined}
                  className="focus:border-brand block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm aria-[invalid=true]:border-red-500"
                />
                {valueErrors ? (
                  <p id={`${valueName}-error`} role="alert" className="mt-1 text-sm text-red-600">
                    {valueErrors.join(' ')}
                  </p>
                ) : null}
              </div>
            </div>
          );
        })}
      </fieldset>
      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-slate-800">Overage policies</legend>
        <p className="text-xs text-slate-500">
          Past an allowance, Block refuses the work, Allow serves it and bills the excess as
          overage, Notify serves it and only tells the tenant’s admins.
        </p>
        {overage.map((row) => (
          <SelectField
            key={row.name}
            label={`${row.label}: overage`}
            name={`overage.${row.name}`}
            options={[
              { value: 'plan', label: `Plan default (${row.planDefault})` },
              { value: 'block', label: policyLabels.block },
              { value: 'allow', label: policyLabels.allow },
              { value: 'notify', label: policyLabels.notify },
            ]}
            defaultValue={values?.[`overage.${row.name}`] ?? row.choice}
            errors={errors?.[`overage.${row.name}`]}
            className="sm:grid sm:grid-cols-[16rem_1fr] sm:items-center sm:gap-4"
          />
        ))}
      </fieldset>
      <SubmitButton variant="secondary" pendingLabel="Saving overrides…">
        Save overrides
      </SubmitButton>
    </form>
  );
}
