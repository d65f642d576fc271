import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getCurrentTenant } from '@/lib/actions';
import { previewInvitation } from '@/lib/invitations';
import { acceptInvitationAction } from './actions';
import { AcceptInvitationForm } from './_components/accept-form';

// The token is in the path: keep it out of search engines and out of Referer headers.
export const metadata: Metadata = {
  title: 'Invitation',
  robots: { index: false, follow: false },
  referrer: 'no-referrer',
};

const dateFormat = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

const card = 'mx-auto max-w-md rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200';

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const tenant = await getCurrentTenant();
  if (!tenant) notFound();
  const { token } = await params;
  // Looked up in this host's tenant only: another workspace's link is as unknown as a made-up one.
  const invitation = await previewInvitation({ tenantId: tenant.id, token });

  if (!invitation) {
    return (
      <section aria-labelledby="invitation-heading" className={card}>
        <h1 id="invitation-heading" className="text-xl font-semibold">
          This invitation is no longer valid
        </h1>
        <p className="mt-3 text-slate-600">
          The link may have expired, been used already or been withdrawn. Ask the person who invited
          you to {tenant.name} for a new one.
        </p>
        <p className="mt-6 text-sm">
          Already a member?{' '}
          <Link href="/sign-in" className="text-brand underline">
            Sign in
          </Link>
        </p>
      </section>
    );
  }

  return (
    <section aria-labelledby="invitation-heading" className={`${card} space-y-6`}>
      <div className="space-y-2">
        <h1 id="invitation-heading" className="text-xl font-semibold">
          Join {tenant.name}
        </h1>
        <p className="text-slate-600">
          You are invited as <strong>{invitation.roleName}</strong>
          {invitation.roleDescription ? ` (${invitation.roleDescription.toLowerCase()})` : ''}. The
          invitation expires on{' '}
          <time dateTime={invitation.expiresAt.toISOString()}>
            {dateFormat.format(invitation.expiresAt)} UTC
          </time>
          .
        </p>
      </div>
      <AcceptInvitationForm
        action={acceptInvitationAction}
        token={token}
        email={invitation.email}
        hasAccount={invitation.hasAccount}
      />
    </section>
  );
}
