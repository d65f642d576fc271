import {
  test as base,
  expect,
  type BrowserContext,
  type Cookie,
  type Page,
} from '@playwright/test';
import type { MemberRole, TenantStatus } from '@/db/schema';
import type { PlanId } from '@/lib/plans';
import { E2EDatabase, type TestOperator, type TestTenant, type TestUser } from './support/database';
import { tenantOrigin } from './support/env';

export { expect };
export type { TestOperator, TestTenant, TestUser };

/** The seeded demo tenants (db/seed.ts) the isolation specs read but never change. */
export const ACME = { slug: 'acme', name: 'Acme Inc.', origin: tenantOrigin('acme') } as const;
export const GLOBEX = {
  slug: 'globex',
  name: 'Globex Corporation',
  origin: tenantOrigin('globex'),
} as const;
export const INITECH = {
  slug: 'initech',
  name: 'Initech',
  origin: tenantOrigin('initech'),
} as const;

/** Creates data for one test straight in the database and removes it when the test ends. */
export type Factory = {
  tenant(overrides?: {
    name?: string;
    status?: TenantStatus;
    primaryColor?: string;
    /** Default 'pro' (custom branding and the API on); the database's own default is 'free'. */
    plan?: PlanId;
  }): Promise<TestTenant>;
  /** A new user with a membership in `tenantId` (any tenant, the seeded ones included). */
  member(tenantId: string, overrides?: { role?: MemberRole }): Promise<TestUser>;
  /** Registers what a UI flow (sign-up) created, so it is removed like the rest. */
  removeAfterwards(created: { slug?: string; email?: string }): void;
  /** A new platform operator (no tenant membership), for the console at /admin. */
  operator(): Promise<TestOperator>;
};

type TestFixtures = {
  factory: Factory;
  /** A fresh active tenant; `baseURL` is its portal, `http://<slug>.localhost:3100`. */
  tenant: TestTenant;
  /** A member (role `member`) of `tenant`. */
  member: TestUser;
  /** An owner of `tenant`. */
  owner: TestUser;
  /** `member`, signed in through the sign-in form on the test's page. */
  signedInMember: TestUser;
  /** `owner`, signed in through the sign-in form on the test's page. */
  signedInOwner: TestUser;
};

type WorkerFixtures = { db: E2EDatabase };

export const test = base.extend<TestFixtures, WorkerFixtures>({
  db: [
    async ({}, use) => {
      const db = new E2EDatabase();
      await use(db);
      await db.close();
    },
    { scope: 'worker' },
  ],

  factory: async ({ db }, use) => {
    const tenantIds: string[] = [];
    const userIds: string[] = [];
    const created: Array<{ slug?: string; email?: string }> = [];
    await use({
      async tenant(overrides) {
        const tenant = await db.createTenant(overrides);
        tenantIds.push(tenant.id);
        return tenant;
      },
      async member(tenantId, overrides) {
        const user = await db.createMember(tenantId, overrides);
        userIds.push(user.id);
        return user;
      },
      removeAfterwards(item) {
        created.push(item);
      },
      async operator() {
        const operator = await db.createOperator();
        userIds.push(operator.id);
        return operator;
      },
    });
    await db.deleteTenants(tenantIds);
    await db.deleteUsers(userIds);
    for (const { slug, email } of created) {
      if (slug) await db.deleteTenantBySlug(slug);
      if (email) await db.deleteUserByEmail(email);
    }
  },

  tenant: async ({ factory }, use) => {
    await use(await factory.tenant());
  },

  baseURL: async ({ tenant }, use) => {
    await use(tenant.origin);
  },

  member: async ({ factory, tenant }, use) => {
    await use(await factory.member(tenant.id, { role: 'member' }));
  },

  owner: async ({ factory, tenant }, use) => {
    await use(await factory.member(tenant.id, { role: 'owner' }));
  },

  signedInMember: async ({ page, tenant, member }, use) => {
    await signIn(page, tenant.origin, member);
    await use(member);
  },

  signedInOwner: async ({ page, tenant, owner }, use) => {
    await signIn(page, tenant.origin, owner);
    await use(owner);
  },
});

/** Signs in through the tenant's sign-in form and waits for the documents page. */
export async function signIn(
  page: Page,
  origin: string,
  user: Pick<TestUser, 'email' | 'password'>,
): Promise<void> {
  await page.goto(`${origin}/sign-in`);
  await fillSignInForm(page, user);
  await expect(page).toHaveURL(`${origin}/documents`);
  await expect(page.getByRole('heading', { name: 'Documents', level: 1 })).toBeVisible();
}

export async function fillSignInForm(
  page: Page,
  user: Pick<TestUser, 'email' | 'password'>,
): Promise<void> {
  await page.getByLabel('E-mail').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Opens a settings section the way a member does: Settings in the main navigation, then the
 * section's link, and waits for its address and heading.
 */
export async function openSettingsSection(
  page: Page,
  section: { link: string; path: string; heading: string },
): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Settings' })
    .click();
  await page
    .getByRole('navigation', { name: 'Settings' })
    .getByRole('link', { name: section.link })
    .click();
  await expect(page).toHaveURL(section.path);
  await expect(page.getByRole('heading', { name: section.heading, level: 1 })).toBeVisible();
}

/** `#7c3aed` → `rgb(124, 58, 237)`, the form computed styles report colours in. */
export function cssRgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

/** The Auth.js session cookie the browser holds for `origin`'s host (host-only, by design). */
export async function sessionCookie(context: BrowserContext, origin: string): Promise<Cookie> {
  const cookies = await context.cookies(origin);
  const session = cookies.find((cookie) => /(^|\.)session-token$/.test(cookie.name));
  if (!session)
    throw new Error(
      `no session cookie for ${origin}; cookies: ${cookies.map((c) => c.name).join(', ') || 'none'}`,
    );
  return session;
}
