import Form from 'next/form';
import Link from 'next/link';
import { buttonClasses } from '@/components/ui/button';
import { cn } from '@/components/ui/cn';
import { TextField } from '@/components/ui/field';
import type { LogKind } from '@/lib/activity';
import { logHref } from './audit-table';

export type FilterOption = { value: string; label: string };
export type FilterGroup = { label: string; options: readonly FilterOption[] };

export type AuditFilterValues = {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  from: string;
  to: string;
  /** Kept as a hidden field when the URL asked for another page size. */
  limit?: number;
};

/**
 * A native select with option groups (the UI kit's SelectField has none). A value the lists do
 * not know (a former member's id, an action from a newer release) is kept as its own option so
 * the form shows what is being filtered by.
 */
function GroupedSelect({
  label,
  name,
  groups,
  placeholder,
  value,
  errors,
}: {
  label: string;
  name: string;
  groups: readonly FilterGroup[];
  placeholder: string;
  value: string;
  errors?: string[];
}) {
  const known = groups.some((group) => group.options.some((option) => option.value === value));
  const invalid = Boolean(errors?.length);
  return (
    <div>
      <label htmlFor={name} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <select
        key={value}
        id={name}
        name={name}
        defaultValue={value}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? `${name}-error` : undefined}
        className="focus:border-brand mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm aria-[invalid=true]:border-red-500"
      >
        <option value="">{placeholder}</option>
        {value && !known ? <option value={value}>{value}</option> : null}
        {groups.map((group) => (
          <optgroup key={group.label} label={group.label}>
            {group.options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {invalid ? (
        <p id={`${name}-error`} role="alert" className="mt-1 text-sm text-red-600">
          {errors!.join(' ')}
        </p>
      ) : null}
    </div>
  );
}

/** The log's filters, as a GET form: the URL is the state, so a filtered view can be shared. */
export function AuditFilters({
  log,
  values,
  actorGroups,
  actionGroups,
  targetTypes,
  fieldErrors,
  className,
}: {
  log: LogKind;
  values: AuditFilterValues;
  actorGroups: readonly FilterGroup[];
  actionGroups: readonly FilterGroup[];
  targetTypes: readonly FilterOption[];
  fieldErrors: Record<string, string[] | undefined>;
  className?: string;
}) {
  return (
    <Form
      action="/settings/audit"
      aria-label={`Filter the ${log} log`}
      className={cn('rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200', className)}
    >
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <GroupedSelect
          label="Actor"
          name="actor"
          placeholder="Anyone"
          groups={actorGroups}
          value={values.actor}
          errors={fieldErrors.actor}
        />
        <GroupedSelect
          label="Action"
          name="action"
          placeholder="Any action"
          groups={actionGroups}
          value={values.action}
          errors={fieldErrors.action}
        />
        <GroupedSelect
          label="Target type"
          name="targetType"
          placeholder="Any target"
          groups={[{ label: 'Targets', options: targetTypes }]}
          value={values.targetType}
          errors={fieldErrors.targetType}
        />
        <TextField
          label="Target id"
          name="targetId"
          defaultValue={values.targetId}
          errors={fieldErrors.targetId}
          hint="The exact id, e.g. a document’s."
          autoComplete="off"
          spellCheck={false}
        />
        <TextField
          label="From (UTC)"
          name="from"
          type="date"
          defaultValue={values.from}
          errors={fieldErrors.from}
        />
        <TextField
          label="To (UTC)"
          name="to"
          type="date"
          defaultValue={values.to}
          errors={fieldErrors.to}
          hint="Both days are included."
        />
      </div>
      {log !== 'audit' ? <input type="hidden" name="log" value={log} /> : null}
      {values.limit ? <input type="hidden" name="limit" value={values.limit} /> : null}
      <div className="mt-4 flex flex-wrap items-center gap-3">
        <button type="submit" className={buttonClasses()}>
          Apply filters
        </button>
        <Link href={logHref(log)} className="text-sm text-slate-600 underline">
          Clear filters
        </Link>
      </div>
    </Form>
  );
}
