'use client';

import type { ReactNode } from 'react';
import { useFormStatus } from 'react-dom';
import { Button, type ButtonVariant } from './button';

/** A submit button that shows progress and blocks double submission while its form is pending. */
export function SubmitButton({
  children,
  pendingLabel,
  variant,
  disabled = false,
}: {
  children: ReactNode;
  pendingLabel: string;
  variant?: ButtonVariant;
  disabled?: boolean;
}) {
  const { pending } = useFormStatus();
  return (
    <Button type="submit" variant={variant} disabled={pending || disabled} aria-busy={pending}>
      {pending ? pendingLabel : children}
    </Button>
  );
}
