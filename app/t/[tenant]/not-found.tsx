import Link from 'next/link';

/** A page or document that does not exist in this (existing) workspace — including other tenants' ids. */
export default function TenantNotFound() {
  return (
    <section className="mx-auto max-w-lg py-16 text-center">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="mt-3 text-slate-600">
        This page does not exist in this workspace, or it was deleted.
      </p>
      <p className="mt-6">
        <Link href="/documents" className="text-brand underline">
          Back to documents
        </Link>
      </p>
    </section>
  );
}
