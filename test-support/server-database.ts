import pg from 'pg';
import { runMigrations } from '@/db/migrate';

export const ADMIN_URL =
  process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const LOGIN_ROLE = 'tenantry_test_login';

/**
 * A fresh, migrated database on the local PostgreSQL, owned by the superuser, with a
 * login role that is neither superuser nor owner — the shape a production deployment has.
 * Returns the URL the application connects with.
 */
export async function prepareServerDatabase(
  name: string,
): Promise<{ appUrl: string; ownerUrl: string }> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const ownerUrl = withDatabase(ADMIN_URL, name);
  await runMigrations({ driver: 'pg', url: ownerUrl });
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    await owner.query(`do $$ begin
      create role ${LOGIN_ROLE} login noinherit nosuperuser nobypassrls;
    exception when duplicate_object then null; end $$`);
    await owner.query(`grant tenantry_app, tenantry_platform to ${LOGIN_ROLE}`);
    await owner.query(`grant connect on database ${name} to ${LOGIN_ROLE}`);
  } finally {
    await owner.end();
  }
  const appUrl = new URL(ownerUrl);
  appUrl.username = LOGIN_ROLE;
  return { appUrl: appUrl.toString(), ownerUrl };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
