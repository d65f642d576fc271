export default function Loading() {
  return (
    <p role="status" aria-live="polite" className="py-12 text-center text-slate-500">
      Loading invoices…
    </p>
  );
}
