'use client';

import { useState } from 'react';
import { Button } from './button';

/**
 * Copies `value` to the clipboard. Where the Clipboard API is missing or refused (an insecure
 * origin, a denied permission) it selects the text of the field `targetId` instead, so the
 * user can copy it with the keyboard. The outcome is announced politely.
 */
export function CopyButton({
  value,
  targetId,
  label = 'Copy',
}: {
  value: string;
  targetId: string;
  label?: string;
}) {
  const [outcome, setOutcome] = useState<'copied' | 'selected' | null>(null);

  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error('Clipboard API unavailable');
      await navigator.clipboard.writeText(value);
      setOutcome('copied');
    } catch {
      const field = document.getElementById(targetId);
      if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
        field.focus();
        field.select();
      }
      setOutcome('selected');
    }
  }

  return (
    <span className="inline-flex items-center gap-3">
      <Button variant="secondary" onClick={() => void copy()}>
        {outcome === 'copied' ? 'Copied' : label}
      </Button>
      <span role="status" aria-live="polite" className="text-sm text-slate-600">
        {outcome === 'copied'
          ? 'Copied to the clipboard.'
          : outcome === 'selected'
            ? 'Could not copy automatically: the key is selected, press Ctrl+C (⌘C on a Mac).'
            : ''}
      </span>
    </span>
  );
}
