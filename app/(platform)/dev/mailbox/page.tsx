import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { getRequestContext } from '@/lib/actions';
import { isDevMailboxEnabled, listOutbox } from '@/lib/mail';
import { MessageBody } from './_components/message-body';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = {
  title: 'Development mailbox',
  robots: { index: false, follow: false },
  referrer: 'no-referrer',
};

const OUTBOX_SHOWN = 50;
const timeFormat = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'medium',
  timeZone: 'UTC',
});

/**
 * Mail the app "sent" while no SMTP server is configured (see lib/mail). Root domain only, and
 * only while isDevMailboxEnabled(): otherwise — and always on a tenant's host — a 404.
 */
export default async function DevMailboxPage() {
  const { tenantSlug } = await getRequestContext();
  if (tenantSlug || !isDevMailboxEnabled()) notFound();
  const messages = await listOutbox({ limit: OUTBOX_SHOWN });
  return (
    <main className="mx-auto max-w-4xl space-y-6 px-6 py-10">
      <header className="space-y-2">
        <h1 className="text-2xl font-semibold">Development mailbox</h1>
        <p className="text-sm text-slate-600">
          <code>SMTP_URL</code> is not set, so e-mail is kept here instead of being sent. Newest
          first; the last {OUTBOX_SHOWN} messages of the past seven days. Set <code>SMTP_URL</code>{' '}
          to deliver mail for real.
        </p>
      </header>
      {messages.length === 0 ? (
        <p className="text-slate-600">No mail yet.</p>
      ) : (
        <ol className="space-y-4" aria-label="Messages">
          {messages.map((message) => (
            <li key={message.id}>
              <article
                aria-labelledby={`subject-${message.id}`}
                className="space-y-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
              >
                <header className="space-y-1">
                  <h2 id={`subject-${message.id}`} className="font-semibold">
                    {message.subject}
                  </h2>
                  <dl className="flex flex-wrap gap-x-6 gap-y-1 text-sm text-slate-600">
                    <div>
                      <dt className="inline">To:</dt>{' '}
                      <dd className="inline" data-testid="mail-to">
                        {message.to}
                      </dd>
                    </div>
                    <div>
                      <dt className="inline">Sent:</dt>{' '}
                      <dd className="inline">
                        <time dateTime={message.createdAt.toISOString()}>
                          {timeFormat.format(message.createdAt)} UTC
                        </time>
                      </dd>
                    </div>
                  </dl>
                </header>
                <MessageBody text={message.text} />
              </article>
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
