import type { InputHTMLAttributes, ReactNode } from 'react';
import { cn } from './cn';

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'name' | 'id'> & {
  name: string;
  label: ReactNode;
  errors?: string[];
  className?: string;
};

/** A checkbox with its label beside it and its errors below, tied together for assistive tech. */
export function CheckboxField({ name, label, errors, className, ...input }: Props) {
  const invalid = Boolean(errors?.length);
  return (
    <div className={className}>
      <div className="flex items-start gap-2">
        <input
          type="checkbox"
          id={name}
          name={name}
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? `${name}-error` : undefined}
          className={cn('accent-brand mt-0.5 h-4 w-4 rounded border-slate-300')}
          {...input}
        />
        <label htmlFor={name} className="text-sm text-slate-700">
          {label}
        </label>
      </div>
      {invalid ? (
        <p id={`${name}-error`} role="alert" className="mt-1 text-sm text-red-600">
          {errors!.join(' ')}
        </p>
      ) : null}
    </div>
  );
}
