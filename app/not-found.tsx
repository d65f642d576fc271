import { headers } from 'next/headers';
import { env } from '@/lib/env';
import { INTERNAL_HEADERS, protocolFor, rootOrigin } from '@/lib/host';

export default async function NotFound() {
  const slug = (await headers()).get(INTERNAL_HEADERS.tenantSlug);
  const { ROOT_DOMAIN } = env();
  return (
    <main className="mx-auto max-w-lg px-6 py-24 text-center">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="mt-4 text-slate-600">
        {slug ? (
          <>
            There is no workspace at{' '}
            <strong>
              {slug}.{ROOT_DOMAIN}
            </strong>
            , or this page does not exist in it. Check the address you were given.
          </>
        ) : (
          'The page you asked for does not exist.'
        )}
      </p>
      <p className="mt-6">
        <a
          href={rootOrigin(ROOT_DOMAIN, protocolFor(ROOT_DOMAIN))}
          className="text-indigo-700 underline"
        >
          Go to Tenantry’s home page
        </a>
      </p>
    </main>
  );
}
