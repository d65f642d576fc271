'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/components/ui/cn';

export type SettingsLink = { href: string; label: string };

export function SettingsNav({ links }: { links: SettingsLink[] }) {
  // Compared by suffix: on the server the path may still carry middleware's /t/<slug> rewrite.
  const pathname = usePathname();
  return (
    <nav aria-label="Settings" className="border-b border-slate-200">
      <ul className="-mb-px flex gap-6 text-sm">
        {links.map((link) => {
          const current = pathname === link.href || pathname.endsWith(link.href);
          return (
            <li key={link.href}>
              <Link
                href={link.href}
                aria-current={current ? 'page' : undefined}
                className={cn(
                  'inline-block border-b-2 px-1 pb-2',
                  current
                    ? 'border-brand font-medium text-slate-900'
                    : 'border-transparent text-slate-600 hover:text-slate-900',
                )}
              >
                {link.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
