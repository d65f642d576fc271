import 'server-only';
import { desc, lt, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { withPlatform } from '@/db/scope';
import { mailOutbox } from '@/db/schema';
import { env, type Env } from '@/lib/env';
import { log } from '@/lib/log';

/**
 * The one way the application sends e-mail. With `SMTP_URL` set, messages go to that server
 * (nodemailer); without it they land in the `mail_outbox` table, which the development mailbox
 * (/dev/mailbox on the root domain) shows, so every flow that mails a link works locally and in
 * the end-to-end suite. Callers build links from configuration (lib/host), never from a
 * request's Host. Message bodies are never logged: they may carry one-time links.
 */

export const mailMessageSchema = z.object({
  to: z.string().trim().toLowerCase().max(254).pipe(z.email()),
  // One line: a subject with a line break could smuggle headers into a naive transport.
  subject: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((value) => !/[\r\n]/.test(value), 'A subject is one line.'),
  text: z.string().min(1).max(100_000),
  html: z.string().max(200_000).optional(),
  /** For the log line only: which tenant the message is about. */
  tenantId: z.uuid().optional(),
});
export type MailMessage = z.input<typeof mailMessageSchema>;

export type MailTransport = 'smtp' | 'outbox';
export type MailReceipt = { transport: MailTransport; messageId: string };

export type Mailer = {
  readonly transport: MailTransport;
  send(message: MailMessage): Promise<MailReceipt>;
  /** Closes the SMTP connection pool, if any. */
  close(): void;
};

/** How long the outbox keeps a message; invitation links expire before that anyway. */
export const OUTBOX_RETENTION_DAYS = 7;
// Sending runs inside a request (after the commit): never wait minutes for a dead server.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** `Tenantry <no-reply@example.com>` for ROOT_DOMAIN `example.com:8443`. */
export function defaultFrom(rootDomain: string): string {
  const host = rootDomain.replace(/:\d+$/, '');
  return `Tenantry <no-reply@${host.includes('.') ? host : `${host}.test`}>`;
}

/** A mailer for one configuration: SMTP with a URL, else the outbox. */
export function createMailer(options: { smtpUrl?: string; from: string }): Mailer {
  if (options.smtpUrl) {
    const transporter = nodemailer.createTransport({ url: options.smtpUrl, ...SMTP_TIMEOUTS });
    return {
      transport: 'smtp',
      async send(raw) {
        const message = mailMessageSchema.parse(raw);
        const info = await transporter.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
        const receipt: MailReceipt = { transport: 'smtp', messageId: info.messageId };
        logSent(message, receipt);
        return receipt;
      },
      close: () => transporter.close(),
    };
  }
  return {
    transport: 'outbox',
    async send(raw) {
      const message = mailMessageSchema.parse(raw);
      const id = await withPlatform(async (tx) => {
        await tx
          .delete(mailOutbox)
          .where(
            lt(mailOutbox.createdAt, sql`now() - make_interval(days => ${OUTBOX_RETENTION_DAYS})`),
          );
        const [row] = await tx
          .insert(mailOutbox)
          .values({
            recipient: message.to,
            subject: message.subject,
            text: message.text,
            html: message.html ?? null,
          })
          .returning({ id: mailOutbox.id });
        if (!row) throw new Error('outbox insert returned no row');
        return row.id;
      });
      const receipt: MailReceipt = { transport: 'outbox', messageId: id };
      logSent(message, receipt);
      return receipt;
    },
    close: () => undefined,
  };
}

function logSent(message: z.output<typeof mailMessageSchema>, receipt: MailReceipt): void {
  // Recipient and subject only: the body may hold a one-time link.
  log.info(
    {
      event: 'mail.sent',
      transport: receipt.transport,
      messageId: receipt.messageId,
      to: message.to,
      subject: message.subject,
      tenantId: message.tenantId,
    },
    receipt.transport === 'smtp' ? 'mail sent' : 'mail kept in the outbox',
  );
}

let defaultMailer: Mailer | undefined;

/** The configured mailer, built once per process. */
export function mailer(): Mailer {
  if (!defaultMailer) {
    const config = env();
    defaultMailer = createMailer({
      smtpUrl: config.SMTP_URL,
      from: config.MAIL_FROM ?? defaultFrom(config.ROOT_DOMAIN),
    });
    if (defaultMailer.transport === 'outbox' && config.NODE_ENV === 'production') {
      log.warn(
        'SMTP_URL is not set: e-mail is kept in the database outbox and not delivered to anyone',
      );
    }
  }
  return defaultMailer;
}

/** Sends one message (see the module comment for where it goes). Throws when it cannot. */
export function sendMail(message: MailMessage): Promise<MailReceipt> {
  return mailer().send(message);
}

/**
 * Sends notices one by one after the work that decided them has committed; a message that
 * cannot be sent is logged as `failureEvent` and not retried. Returns how many went out.
 */
export async function sendNotices(
  messages: readonly MailMessage[],
  failureEvent: string,
): Promise<number> {
  let sent = 0;
  for (const message of messages) {
    try {
      await sendMail(message);
      sent++;
    } catch (error) {
      log.error(
        { err: error instanceof Error ? error.message : String(error), tenantId: message.tenantId },
        failureEvent,
      );
    }
  }
  return sent;
}

/**
 * Whether /dev/mailbox is served: only while mail goes to the outbox, and only outside
 * production unless DEV_MAILBOX says so (the end-to-end suite runs `next start`). Anyone who can
 * reach the root domain could read every message there, so a real deployment never sets it.
 */
export function isDevMailboxEnabled(
  config: Pick<Env, 'SMTP_URL' | 'NODE_ENV' | 'DEV_MAILBOX'> = env(),
): boolean {
  if (config.SMTP_URL) return false;
  return config.NODE_ENV !== 'production' || config.DEV_MAILBOX;
}

export type OutboxMessageDTO = {
  id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: Date;
};

/** The outbox, newest first, for the development mailbox (platform path: it is not tenant data). */
export function listOutbox(params: { limit?: number } = {}): Promise<OutboxMessageDTO[]> {
  return withPlatform((tx) =>
    tx
      .select({
        id: mailOutbox.id,
        to: mailOutbox.recipient,
        subject: mailOutbox.subject,
        text: mailOutbox.text,
        createdAt: mailOutbox.createdAt,
      })
      .from(mailOutbox)
      .orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id))
      .limit(params.limit ?? 50),
  );
}
