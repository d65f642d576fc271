import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { permissions } from '@/lib/rbac';

/**
 * Every page is a GET endpoint. Server actions and API routes have their own nets
 * (server-actions.test.ts, lib/api/openapi.int.test.ts); this one reads every page and every
 * route handler outside app/api and requires the check that fits where it lives:
 * - a tenant page calls `requireMember('<permission>')` with a registry permission, or
 *   `requireMember('self')` for a page about the member's own account;
 *   A download route's `tenantDownload({ permission: '<permission>', … })` counts the same;
 * - a console page calls `requireOperator()`;
 * - anything else is listed below with the reason it needs no check.
 */

const PUBLIC: Readonly<Record<string, string>> = {
  'app/(platform)/page.tsx': 'the public landing page with the sign-up form',
  'app/(platform)/admin/sign-in/page.tsx': 'the operator sign-in form',
  'app/(platform)/dev/mailbox/page.tsx':
    'development outbox; lib/mail answers 404 unless it is enabled (never on tenant hosts)',
  'app/(platform)/docs/api/page.tsx': 'public API documentation',
  'app/t/[tenant]/page.tsx': 'the tenant’s home: redirects to documents or sign-in',
  'app/t/[tenant]/sign-in/page.tsx': 'the sign-in form',
  'app/t/[tenant]/sign-in/verify/page.tsx':
    'second sign-in step: only a half-finished sign-in of this host reaches it (lib/mfa)',
  'app/t/[tenant]/sign-in/enrol/page.tsx':
    'second sign-in step: only a half-finished sign-in of this host reaches it (lib/mfa)',
  'app/t/[tenant]/invite/[token]/page.tsx':
    'invitation acceptance: the token is the credential, checked by lib/invitations',
  'app/t/[tenant]/settings/audit/export.csv/route.ts':
    'calls exportLogDownload (settings/audit/_lib/export.ts): tenantDownload with audit:read',
  'app/t/[tenant]/settings/audit/export.json/route.ts':
    'calls exportLogDownload (settings/audit/_lib/export.ts): tenantDownload with audit:read',
};

const root = path.resolve(import.meta.dirname, '../..');

function endpoints(dir = path.join(root, 'app')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'api' && dir.endsWith('app') ? [] : endpoints(full);
    return /^(page|route)\.tsx?$/.test(entry.name)
      ? [path.relative(root, full).split(path.sep).join('/')]
      : [];
  });
}

const escaped = (list: readonly string[]) => list.map((p) => p.replace(/[:_]/g, '\\$&')).join('|');
const permissionPattern = new RegExp(
  `requireMember\\('(${escaped([...permissions, 'self'])})'\\)|tenantDownload\\(\\s*\\{\\s*permission: '(${escaped(permissions)})'`,
);

function problemOf(file: string, source: string): string | null {
  if (PUBLIC[file]) return null;
  if (file.startsWith('app/t/[tenant]/'))
    return permissionPattern.test(source)
      ? null
      : "calls no requireMember('<permission>') (or 'self') and is not listed as public";
  if (file.startsWith('app/(platform)/admin/(console)/'))
    return source.includes('requireOperator()') ? null : 'calls no requireOperator()';
  return 'is neither a tenant nor a console page and is not listed as public';
}

describe('every page and non-API route checks access', () => {
  const files = endpoints();

  it('finds the pages', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    expect(files).toContain('app/t/[tenant]/settings/roles/page.tsx');
  });

  it('has each check in place, or a reason to need none', () => {
    const problems = files
      .map((file) => ({
        file,
        problem: problemOf(file, fs.readFileSync(path.join(root, file), 'utf8')),
      }))
      .filter((finding) => finding.problem);
    expect(problems).toEqual([]);
  });

  it('lists only public endpoints that exist', () => {
    expect(Object.keys(PUBLIC).filter((file) => !files.includes(file))).toEqual([]);
  });

  it('catches a page without a check, and an unknown permission', () => {
    expect(
      problemOf('app/t/[tenant]/secret/page.tsx', 'export default async function P() {}'),
    ).toMatch(/requireMember/);
    expect(
      problemOf('app/t/[tenant]/x/page.tsx', "await requireMember('documents:burn');"),
    ).toMatch(/requireMember/);
    expect(problemOf('app/t/[tenant]/x/page.tsx', "await requireMember('audit:read');")).toBeNull();
    expect(
      problemOf(
        'app/t/[tenant]/x/route.ts',
        "export const GET = tenantDownload({\n  permission: 'usage:read',",
      ),
    ).toBeNull();
    expect(
      problemOf('app/t/[tenant]/x/route.ts', "tenantDownload({ permission: 'usage:burn' })"),
    ).toMatch(/requireMember/);
    expect(problemOf('app/(platform)/admin/(console)/x/page.tsx', 'await getTenant()')).toMatch(
      /requireOperator/,
    );
    expect(problemOf('app/(platform)/other/page.tsx', '')).toMatch(/not listed/);
  });
});
