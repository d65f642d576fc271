'use server';

import { redirect } from 'next/navigation';
import { getCurrentTenant, getCurrentViewer, getRequestContext } from '@/lib/actions';
import { signOutViewer } from '@/lib/auth';

/** Sign-out revokes the server-side session even if the cookie were kept. */
export async function signOutAction(): Promise<void> {
  const [tenant, viewer, request] = await Promise.all([
    getCurrentTenant(),
    getCurrentViewer(),
    getRequestContext(),
  ]);
  if (tenant && viewer)
    await signOutViewer(tenant, viewer, { requestId: request.requestId, ip: request.ip });
  redirect('/sign-in');
}
