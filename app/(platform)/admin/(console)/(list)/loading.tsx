// Scoped to the list on purpose (route group): with a loading boundary above the tenant page,
// whose server actions revalidate, `next start` intermittently never commits the action's
// transition and the form stays pending (seen ~1 in 6 in e2e; vercel/next.js#98303).
export default function Loading() {
  return (
    <p role="status" aria-live="polite" className="py-12 text-center text-slate-500">
      Loading tenants…
    </p>
  );
}
