import 'server-only';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { usageNotifications, usageThresholds, type UsageNotification } from '@/db/schema';
import { withPlatform, type Transaction } from '@/db/scope';
import { env } from '@/lib/env';
import { protocolFor, tenantOrigin } from '@/lib/host';
import { sendNotices, type MailMessage } from '@/lib/mail';
import { limits } from '@/lib/plans';
import { emailsOfMembersWith } from '@/lib/members';
import { periodOf, type AllowanceUsage } from './allowances';
import { formatQuantity, formatResetTime } from './format';
import { usageOverview, type TenantUsageOverview } from './overview';

/** The notices of the transaction's tenant in the period starting at `periodStart`, newest first. */
export function usageNotices(
  tx: Transaction,
  params: { tenantId: string; periodStart: Date },
): Promise<UsageNotification[]> {
  return tx
    .select()
    .from(usageNotifications)
    .where(
      and(
        eq(usageNotifications.tenantId, params.tenantId),
        eq(usageNotifications.periodStart, params.periodStart),
      ),
    )
    .orderBy(desc(usageNotifications.createdAt), desc(usageNotifications.threshold));
}

function consequence(usage: AllowanceUsage, threshold: number): string {
  if (usage.policy === 'block')
    return threshold >= 100
      ? usage.resetsAt
        ? `Work that uses it is refused until the allowance resets on ${formatResetTime(usage.resetsAt)}.`
        : 'Work that needs more is refused until usage goes down.'
      : 'At 100 % the work that uses it will be refused.';
  if (usage.policy === 'allow')
    return 'Usage past the allowance keeps working and is billed as overage.';
  return 'Usage past the allowance keeps working; consider a plan that fits.';
}

function noticeMail(
  tenant: TenantUsageOverview,
  usage: AllowanceUsage,
  threshold: number,
  to: string,
): MailMessage {
  const { ROOT_DOMAIN } = env();
  const link = `${tenantOrigin(tenant.slug, ROOT_DOMAIN, protocolFor(ROOT_DOMAIN))}/settings/usage`;
  const what = limits[usage.limit].toLowerCase();
  const used = formatQuantity(usage.unit, usage.used);
  const allowance = formatQuantity(usage.unit, usage.allowance ?? 0);
  return {
    to,
    tenantId: tenant.tenantId,
    subject: `${tenant.name} has used ${threshold} % of its ${what}`,
    text: [
      `${tenant.name} has used ${used} of its ${allowance} (${what}, ${Math.floor(usage.percent ?? 0)} %).`,
      consequence(usage, threshold),
      `See usage: ${link}`,
    ].join('\n\n'),
  };
}

/**
 * Notifies tenants' admins (members holding usage:read) when an allowance reaches 80 % and
 * 100 % of this period. A notice row per tenant, metric, period and threshold (unique) makes each
 * go out once however often the job runs; when usage jumps past both, one e-mail names the
 * higher. Mail goes out after the rows commit; a failed send is logged, not retried.
 */
export async function notifyAllowanceThresholds(
  options: { now?: Date; database?: Database } = {},
): Promise<{ notices: number; emails: number }> {
  const now = options.now ?? new Date();
  const periodStart = periodOf(now).start;
  const outgoing: MailMessage[] = [];
  const notices = await withPlatform(async (tx) => {
    let created = 0;
    for (const tenant of await usageOverview(tx, now)) {
      for (const usage of tenant.allowances) {
        if (usage.percent === null) continue;
        const reached = usageThresholds.filter((threshold) => (usage.percent ?? 0) >= threshold);
        if (!reached.length) continue;
        const inserted = await tx
          .insert(usageNotifications)
          .values(
            reached.map((threshold) => ({
              tenantId: tenant.tenantId,
              metric: usage.metric,
              periodStart,
              threshold,
              used: usage.used,
              allowance: usage.allowance ?? 0,
              policy: usage.policy,
            })),
          )
          .onConflictDoNothing()
          .returning({ id: usageNotifications.id, threshold: usageNotifications.threshold });
        if (!inserted.length) continue;
        created += inserted.length;
        const highest = Math.max(...inserted.map((row) => row.threshold));
        const recipients = await emailsOfMembersWith(tx, tenant.tenantId, 'usage:read');
        await tx
          .update(usageNotifications)
          .set({ recipients: recipients.length })
          .where(sql`${usageNotifications.id} in ${inserted.map((row) => row.id)}`);
        for (const to of recipients) outgoing.push(noticeMail(tenant, usage, highest, to));
      }
    }
    return created;
  }, options.database);
  const emails = await sendNotices(outgoing, 'metering.notice_not_sent');
  return { notices, emails };
}
