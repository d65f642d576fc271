'use client';

import { useEffect, useRef, type ReactNode } from 'react';
import { CopyButton } from '@/components/ui/copy-button';

/**
 * Recovery codes, shown once right after they are made: only their hashes are stored. The
 * heading takes focus so screen readers announce them; `children` is what comes next.
 */
export function RecoveryCodes({ codes, children }: { codes: string[]; children?: ReactNode }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <section
      aria-labelledby="recovery-codes-heading"
      className="space-y-3 rounded-lg border-2 border-amber-400 bg-amber-50 p-4"
    >
      <h2
        id="recovery-codes-heading"
        ref={headingRef}
        tabIndex={-1}
        className="text-lg font-semibold text-amber-950"
      >
        Your recovery codes
      </h2>
      <p className="text-sm text-amber-950">
        <strong>Save them now: they will not be shown again.</strong> Each one signs you in once
        when you do not have your authenticator app. Keep them somewhere safe, like a password
        manager.
      </p>
      <ol
        aria-label="Recovery codes"
        className="grid grid-cols-2 gap-x-6 gap-y-1 font-mono text-sm"
      >
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ol>
      <textarea
        id="recovery-codes-text"
        aria-label="Recovery codes as text"
        readOnly
        value={codes.join('\n')}
        rows={codes.length}
        className="sr-only"
      />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <CopyButton value={codes.join('\n')} targetId="recovery-codes-text" label="Copy codes" />
        {children}
      </div>
    </section>
  );
}
