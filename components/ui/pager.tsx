import Link from 'next/link';

/**
 * The keyset pager under a newest-first list: back to the newest page once paged, and on to
 * older entries while there are more. Nothing when the list fits on one page.
 */
export function NewestOlderPager({
  newestHref,
  olderHref,
  paged,
}: {
  newestHref: string;
  /** The next page's address, or null on the last page. */
  olderHref: string | null;
  paged: boolean;
}) {
  if (!paged && !olderHref) return null;
  return (
    <nav aria-label="Pagination" className="flex justify-between text-sm">
      {paged ? (
        <Link href={newestHref} className="underline">
          ← Newest
        </Link>
      ) : (
        <span />
      )}
      {olderHref ? (
        <Link href={olderHref} className="underline">
          Older →
        </Link>
      ) : null}
    </nav>
  );
}
