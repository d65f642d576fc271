// Scoped to /admin/usage: the page has no server actions, so a loading boundary here is safe
// (see (list)/loading.tsx for why the console has none above the tenant page).
export default function Loading() {
  return (
    <p role="status" aria-live="polite" className="py-12 text-center text-slate-500">
      Loading usage…
    </p>
  );
}
