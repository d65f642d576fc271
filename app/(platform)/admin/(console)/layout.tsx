import type { ReactNode } from 'react';
import { requireOperator } from '@/lib/actions';
import { ConsoleHeader } from './_components/console-header';

/**
 * Every console page needs a signed-in operator. Each page calls requireOperator() as well
 * (layouts are not re-rendered on client navigation), and each action checks again.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const operator = await requireOperator();
  return (
    <div className="min-h-screen">
      <ConsoleHeader operator={{ name: operator.name, email: operator.email }} />
      <main id="main" className="mx-auto max-w-6xl px-6 py-8">
        {children}
      </main>
    </div>
  );
}
