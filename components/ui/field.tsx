import type { InputHTMLAttributes, ReactNode, TextareaHTMLAttributes } from 'react';
import { cn } from './cn';

type FieldProps = {
  label: string;
  name: string;
  errors?: string[];
  hint?: string;
};

const controlClasses =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand aria-[invalid=true]:border-red-500';

function Messages({ name, errors, hint }: Pick<FieldProps, 'name' | 'errors' | 'hint'>) {
  return (
    <>
      {hint && !errors?.length ? (
        <p id={`${name}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={`${name}-error`} className="mt-1 text-sm text-red-600" role="alert">
          {errors.join(' ')}
        </p>
      ) : null}
    </>
  );
}

function describedBy(name: string, errors?: string[], hint?: string): string | undefined {
  if (errors?.length) return `${name}-error`;
  return hint ? `${name}-hint` : undefined;
}

function FieldShell({
  label,
  name,
  errors,
  hint,
  className,
  children,
}: FieldProps & { className?: string; children: ReactNode }) {
  return (
    <div className={className}>
      <label htmlFor={name} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children}
      <Messages name={name} errors={errors} hint={hint} />
    </div>
  );
}

/** The attributes that tie a control to its label, hint and errors. */
function controlProps(name: string, errors?: string[], hint?: string) {
  return {
    id: name,
    name,
    'aria-invalid': errors?.length ? true : undefined,
    'aria-describedby': describedBy(name, errors, hint),
  };
}

export function TextField({
  label,
  name,
  errors,
  hint,
  className,
  ...input
}: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <FieldShell label={label} name={name} errors={errors} hint={hint} className={className}>
      <input {...controlProps(name, errors, hint)} className={controlClasses} {...input} />
    </FieldShell>
  );
}

export function TextAreaField({
  label,
  name,
  errors,
  hint,
  className,
  ...textarea
}: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <FieldShell label={label} name={name} errors={errors} hint={hint} className={className}>
      <textarea
        {...controlProps(name, errors, hint)}
        className={cn(controlClasses, 'min-h-48 font-mono')}
        {...textarea}
      />
    </FieldShell>
  );
}

export function FormMessage({ result }: { result: { ok: boolean; message?: string } | null }) {
  if (!result || result.ok || !result.message) return null;
  return (
    <p
      role="alert"
      className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700"
    >
      {result.message}
    </p>
  );
}
