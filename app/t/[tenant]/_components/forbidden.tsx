export function Forbidden() {
  return (
    <section className="mx-auto max-w-lg py-16 text-center">
      <h1 className="text-2xl font-semibold">You don’t have access to this page</h1>
      <p className="mt-3 text-slate-600">Ask an owner or admin of this workspace if you need it.</p>
    </section>
  );
}
