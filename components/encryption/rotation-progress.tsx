import { AutoRefresh } from '@/components/ui/auto-refresh';

/**
 * A running re-encryption: a progress bar that the page refreshes every two seconds until the
 * key job reports it done.
 */
export function RotationProgress({
  version,
  done,
  total,
}: {
  version: number;
  done: number;
  total: number;
}) {
  const shown = Math.min(done, total);
  const percent = total === 0 ? 100 : Math.floor((shown / total) * 100);
  return (
    <div className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <AutoRefresh />
      <p id="rotation-progress-label" className="text-sm font-medium text-slate-800">
        Re-encrypting existing data under key version {version}
      </p>
      <progress
        aria-labelledby="rotation-progress-label"
        className="mt-2 h-2 w-full accent-[var(--brand)]"
        value={shown}
        max={Math.max(total, 1)}
      />
      <p role="status" className="mt-1 text-sm text-slate-600">
        {shown.toLocaleString('en')} of {total.toLocaleString('en')} records ({percent}%). Reading
        and writing work as usual meanwhile.
      </p>
    </div>
  );
}
