'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/** While rendered, refreshes the page's server data every `seconds` (work running elsewhere). */
export function AutoRefresh({ seconds = 2 }: { seconds?: number }) {
  const router = useRouter();
  useEffect(() => {
    const timer = setInterval(() => router.refresh(), seconds * 1000);
    return () => clearInterval(timer);
  }, [router, seconds]);
  return null;
}
