import type { SelectHTMLAttributes } from 'react';
import { cn } from './cn';

export type SelectOption = { value: string; label: string };

type Props = Omit<
  SelectHTMLAttributes<HTMLSelectElement>,
  'defaultValue' | 'value' | 'name' | 'id'
> & {
  label: string;
  name: string;
  options: readonly SelectOption[];
  /** Shown first with an empty value, e.g. "All statuses" or "Choose…". */
  placeholder?: string;
  defaultValue?: string;
  errors?: string[];
  hint?: string;
  /** Hide the label visually (it is still the control's accessible name). */
  hideLabel?: boolean;
  className?: string;
};

/**
 * A labelled native select. After a form action React resets the form, and a select goes back
 * to the option it was first rendered with; keying it by `defaultValue` makes a new default
 * (the submitted value echoed back, or fresh data) take effect.
 */
export function SelectField({
  label,
  name,
  options,
  placeholder,
  defaultValue,
  errors,
  hint,
  hideLabel,
  className,
  ...select
}: Props) {
  const invalid = Boolean(errors?.length);
  const describedBy = invalid ? `${name}-error` : hint ? `${name}-hint` : undefined;
  return (
    <div className={className}>
      <label
        htmlFor={name}
        className={cn('block text-sm font-medium text-slate-700', hideLabel && 'sr-only')}
      >
        {label}
      </label>
      <select
        key={defaultValue ?? ''}
        id={name}
        name={name}
        defaultValue={defaultValue ?? ''}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        className={cn(
          'focus:border-brand block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm aria-[invalid=true]:border-red-500',
          !hideLabel && 'mt-1',
        )}
        {...select}
      >
        {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint && !invalid ? (
        <p id={`${name}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {invalid ? (
        <p id={`${name}-error`} role="alert" className="mt-1 text-sm text-red-600">
          {errors!.join(' ')}
        </p>
      ) : null}
    </div>
  );
}
