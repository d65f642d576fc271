import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { postgresErrorCode } from '@/db/errors';
import { mailOutbox } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { parseEnv } from '@/lib/env';
import {
  createMailer,
  defaultFrom,
  isDevMailboxEnabled,
  listOutbox,
  mailer,
  OUTBOX_RETENTION_DAYS,
  sendMail,
} from './index';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

const address = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.test`;

describe('without SMTP_URL: the outbox', () => {
  it('is what the configured mailer uses here, and keeps each message for the dev mailbox', async () => {
    expect(mailer().transport).toBe('outbox');
    const to = address('Reader');
    const receipt = await sendMail({
      to,
      subject: 'Hello there',
      text: 'Open http://acme.localhost:3000/invite/abc',
      html: '<p>Open</p>',
    });
    expect(receipt.transport).toBe('outbox');
    // Other suites may mail at the same time (server databases are shared): find ours.
    const kept = (await listOutbox({ limit: 500 })).find((m) => m.id === receipt.messageId);
    expect(kept).toMatchObject({
      id: receipt.messageId,
      to: to.toLowerCase(),
      subject: 'Hello there',
      text: 'Open http://acme.localhost:3000/invite/abc',
    });
  });

  it('lists newest first', async () => {
    const first = await sendMail({ to: address('a'), subject: 'first', text: 'one' });
    const second = await sendMail({ to: address('b'), subject: 'second', text: 'two' });
    const ids = (await listOutbox({ limit: 500 })).map((m) => m.id);
    expect(ids.indexOf(second.messageId)).toBeLessThan(ids.indexOf(first.messageId));
    expect(ids.indexOf(second.messageId)).toBeGreaterThanOrEqual(0);
  });

  it(`forgets messages older than ${OUTBOX_RETENTION_DAYS} days when it takes a new one`, async () => {
    // Messages are never updated (the platform role may not): one from eight days ago is inserted.
    const [old] = await withPlatform((tx) =>
      tx
        .insert(mailOutbox)
        .values({
          recipient: address('old'),
          subject: 'old',
          text: 'old',
          createdAt: sql`now() - make_interval(days => ${OUTBOX_RETENTION_DAYS + 1})`,
        })
        .returning({ id: mailOutbox.id }),
    );
    const kept = async () => (await listOutbox({ limit: 500 })).map((m) => m.id);
    expect(await kept()).toContain(old!.id);
    const fresh = await sendMail({ to: address('new'), subject: 'new', text: 'new' });
    expect(await kept()).not.toContain(old!.id);
    expect(await kept()).toContain(fresh.messageId);
  });

  it('refuses a malformed message before it goes anywhere', async () => {
    const to = address('malformed');
    for (const message of [
      { to: 'not an address', subject: 's', text: 't' },
      { to, subject: 'two\r\nBcc: victim@example.test', text: 't' },
      { to, subject: '', text: 't' },
      { to, subject: 's', text: '' },
    ]) {
      await expect(sendMail(message)).rejects.toThrow();
    }
    const kept = await listOutbox({ limit: 500 });
    expect(kept.filter((m) => m.to === to || m.to === 'not an address')).toEqual([]);
  });

  it('is platform data: the application role has no access, in a tenant or outside one', async () => {
    const tenant = await createTenant();
    const denied = async (work: () => Promise<unknown>) =>
      work().then(
        () => 'allowed',
        (error: unknown) => postgresErrorCode(error).code,
      );
    expect(await denied(() => handle.db.select().from(mailOutbox))).toBe('42501');
    expect(await denied(() => withTenant(tenant.id, (tx) => tx.select().from(mailOutbox)))).toBe(
      '42501',
    );
    expect(
      await denied(() =>
        withTenant(tenant.id, (tx) =>
          tx.insert(mailOutbox).values({ recipient: 'x@example.test', subject: 's', text: 't' }),
        ),
      ),
    ).toBe('42501');
    const grants = (await handle.db.execute(sql`
      select privilege_type from information_schema.role_table_grants
      where grantee = 'tenantry_app' and table_name = 'mail_outbox'`)) as unknown as {
      rows: unknown[];
    };
    expect(grants.rows).toEqual([]);
  });
});

describe('with SMTP_URL: a real SMTP conversation', () => {
  type Received = { from: string; to: string[]; data: string; user?: string };
  const received: Received[] = [];
  let server: SMTPServer;
  let port: number;

  beforeAll(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer' && auth.password === 's3cret') {
          callback(null, { user: auth.username });
        } else {
          callback(new Error('Invalid username or password'));
        }
      },
      onData(stream, session, callback) {
        let data = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (data += chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
            user: session.user as string | undefined,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('delivers through the server, with the configured From and credentials, and keeps nothing in the outbox', async () => {
    const smtp = createMailer({
      smtpUrl: `smtp://mailer:s3cret@127.0.0.1:${port}`,
      from: 'Tenantry <no-reply@tenantry.test>',
    });
    expect(smtp.transport).toBe('smtp');
    const to = address('smtp');
    try {
      const receipt = await smtp.send({
        to,
        subject: 'Via SMTP',
        text: 'Accept: http://acme.localhost:3000/invite/xyz',
        html: '<p>Accept</p>',
      });
      expect(receipt.transport).toBe('smtp');
      expect(receipt.messageId).toMatch(/@/);
    } finally {
      smtp.close();
    }
    const message = received.find((m) => m.to.includes(to));
    expect(message).toMatchObject({ from: 'no-reply@tenantry.test', user: 'mailer' });
    expect(message?.data).toMatch(/^Subject: Via SMTP\r?$/m);
    expect(message?.data).toContain('http://acme.localhost:3000/invite/xyz');
    expect(message?.data).toMatch(/text\/html/);
    expect((await listOutbox({ limit: 500 })).filter((m) => m.to === to)).toEqual([]);
  });

  it('fails loudly when the server refuses the credentials or cannot be reached', async () => {
    const wrongPassword = createMailer({
      smtpUrl: `smtp://mailer:wrong@127.0.0.1:${port}`,
      from: 'x@tenantry.test',
    });
    await expect(
      wrongPassword.send({ to: address('no'), subject: 's', text: 't' }),
    ).rejects.toThrow();
    wrongPassword.close();

    const closed = createMailer({ smtpUrl: 'smtp://127.0.0.1:9', from: 'x@tenantry.test' });
    await expect(closed.send({ to: address('no'), subject: 's', text: 't' })).rejects.toThrow();
    closed.close();
  });
});

describe('configuration', () => {
  it('serves the dev mailbox only without SMTP, and in production only when DEV_MAILBOX says so', () => {
    const smtp = 'smtp://127.0.0.1:25';
    expect(isDevMailboxEnabled({ NODE_ENV: 'development', DEV_MAILBOX: false })).toBe(true);
    expect(isDevMailboxEnabled({ NODE_ENV: 'test', DEV_MAILBOX: false })).toBe(true);
    expect(isDevMailboxEnabled({ NODE_ENV: 'production', DEV_MAILBOX: false })).toBe(false);
    expect(isDevMailboxEnabled({ NODE_ENV: 'production', DEV_MAILBOX: true })).toBe(true);
    expect(
      isDevMailboxEnabled({ NODE_ENV: 'development', DEV_MAILBOX: true, SMTP_URL: smtp }),
    ).toBe(false);
    expect(isDevMailboxEnabled({ NODE_ENV: 'production', DEV_MAILBOX: true, SMTP_URL: smtp })).toBe(
      false,
    );
  });

  it('accepts only smtp:// and smtps:// URLs, without echoing the credentials in the error', () => {
    expect(parseEnv({ SMTP_URL: 'smtps://user:pw@mail.example.com:465' }).SMTP_URL).toBe(
      'smtps://user:pw@mail.example.com:465',
    );
    expect(parseEnv({ DEV_MAILBOX: 'true' }).DEV_MAILBOX).toBe(true);
    expect(parseEnv({}).DEV_MAILBOX).toBe(false);
    let message = '';
    try {
      parseEnv({ SMTP_URL: 'https://user:hunter2@mail.example.com' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SMTP_URL/);
    expect(message).not.toContain('hunter2');
  });

  it('derives a From address from the root domain', () => {
    expect(defaultFrom('example.com:8443')).toBe('Tenantry <no-reply@example.com>');
    expect(defaultFrom('localhost:3000')).toBe('Tenantry <no-reply@localhost.test>');
  });
});
