import 'server-only';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { withPlatform } from '@/db/scope';
import { users } from '@/db/schema';
import { log } from '@/lib/log';

export type PlatformAdminOutcome = 'promoted' | 'already_operator' | 'no_such_user';

/**
 * Makes the user with this e-mail a platform operator (PLATFORM_ADMIN_EMAIL at start).
 * Idempotent; it never creates an account: the person signs up (or is seeded) first, and the
 * next start promotes them. `database` is for callers that run before the process database is
 * installed (db/runtime while it connects).
 */
export async function ensurePlatformAdmin(
  email: string,
  database?: Database,
): Promise<PlatformAdminOutcome> {
  const normalized = email.trim().toLowerCase();
  const outcome = await withPlatform(async (tx): Promise<PlatformAdminOutcome> => {
    const [user] = await tx
      .select({ id: users.id, platformRole: users.platformRole })
      .from(users)
      .where(eq(users.email, normalized))
      .for('update');
    if (!user) return 'no_such_user';
    if (user.platformRole === 'operator') return 'already_operator';
    await tx
      .update(users)
      .set({ platformRole: 'operator', updatedAt: sql`now()` })
      .where(eq(users.id, user.id));
    log.info(
      { event: 'operator.promoted', userId: user.id },
      'PLATFORM_ADMIN_EMAIL: user promoted to platform operator',
    );
    return 'promoted';
  }, database);
  if (outcome === 'no_such_user') {
    log.warn(
      { event: 'operator.promotion_skipped' },
      'PLATFORM_ADMIN_EMAIL names no existing user: sign up with that e-mail, then restart to make it an operator',
    );
  }
  return outcome;
}
