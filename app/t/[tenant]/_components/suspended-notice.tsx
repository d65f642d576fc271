export function SuspendedNotice({ tenantName }: { tenantName: string }) {
  return (
    <main className="mx-auto max-w-lg px-6 py-24 text-center">
      <h1 className="text-2xl font-semibold">{tenantName} is suspended</h1>
      <p className="mt-4 text-slate-600">
        This workspace is not available right now, and nobody can sign in to it. If you are one of
        its owners, contact the platform’s support to restore access.
      </p>
    </main>
  );
}
