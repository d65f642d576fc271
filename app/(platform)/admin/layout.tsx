import type { ReactNode } from 'react';
import { notFound } from 'next/navigation';
import { getRequestContext } from '@/lib/actions';

export const dynamic = 'force-dynamic';

export const metadata = {
  title: { default: 'Operator console', template: '%s · Operator console' },
  robots: { index: false, follow: false },
};

/** The operator console lives on the root domain only; middleware already answers 404 elsewhere. */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const { tenantSlug } = await getRequestContext();
  if (tenantSlug) notFound();
  return children;
}
