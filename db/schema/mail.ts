import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { platformAccess } from './roles';

/**
 * Mail that was not sent because no SMTP server is configured (`SMTP_URL` unset): the
 * development mailbox on the root domain shows it. Platform data, not a tenant's: no tenant
 * column, a policy for the platform role only and no grant at all to the application role.
 * lib/mail writes it and prunes what is older than seven days.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('mail_outbox_created_idx').on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    platformAccess('mail_outbox'),
  ],
);

export type OutboxMessage = typeof mailOutbox.$inferSelect;
