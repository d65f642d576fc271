import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every server action is a public POST endpoint. This test reads every 'use server' file in
 * app/ and requires each exported function to delegate to an action built in the same file by
 * one of the wrappers, which validate, authenticate, authorize and scope the work. The few
 * session actions that cannot use a wrapper (they are how one gets a session) are listed with
 * the reason; a new action that is neither fails here.
 */

// pendingSignInAction serves the second step of sign-in, where the caller holds only a half
// sign-in (a second factor owed): it validates, resolves that from the cookie and scopes to the host.
const WRAPPERS = new Set(['tenantAction', 'platformAction', 'publicAction', 'pendingSignInAction']);

const SESSION_ACTIONS: Record<string, string> = {
  'app/t/[tenant]/sign-in/actions.ts#signInAction':
    'creates the session; lib/auth rate-limits and audits it',
  'app/t/[tenant]/sign-in/actions.ts#ssoSignInAction':
    'starts single sign-on with the host tenant’s own connection; the session is created on the callback, which lib/sso audits',
  'app/t/[tenant]/actions.ts#signOutAction': 'revokes the caller’s own session only',
  'app/t/[tenant]/invite/[token]/actions.ts#acceptInvitationAction':
    'creates the session like sign-in; validates with zod, and lib/invitations rate-limits (fail closed), scopes the link to the host’s tenant and audits it',
  'app/(platform)/admin/actions.ts#signOutOperatorAction':
    'revokes the caller’s own operator session only',
};

const root = path.resolve(import.meta.dirname, '../..');

function serverActionFiles(dir = path.join(root, 'app')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return serverActionFiles(full);
    if (!/\.tsx?$/.test(entry.name)) return [];
    return /^\s*['"]use server['"]/.test(fs.readFileSync(full, 'utf8')) ? [full] : [];
  });
}

type Finding = { action: string; problem: string };

function inspect(file: string): { exported: string[]; findings: Finding[] } {
  const relative = path.relative(root, file).split(path.sep).join('/');
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const wrapped = new Set<string>();
  const exported: string[] = [];
  const findings: Finding[] = [];

  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer;
        if (
          ts.isIdentifier(declaration.name) &&
          init &&
          ts.isCallExpression(init) &&
          ts.isIdentifier(init.expression)
        ) {
          if (WRAPPERS.has(init.expression.text)) wrapped.add(declaration.name.text);
        }
      }
    }
  }

  for (const statement of source.statements) {
    const isExported =
      ts.canHaveModifiers(statement) &&
      ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!isExported) continue;
    if (!ts.isFunctionDeclaration(statement) || !statement.name) {
      findings.push({
        action: `${relative}#?`,
        problem: 'exports something other than a function declaration',
      });
      continue;
    }
    const name = statement.name.text;
    const id = `${relative}#${name}`;
    exported.push(id);
    if (SESSION_ACTIONS[id]) continue;
    const body = statement.body?.statements ?? [];
    const [only] = body;
    const delegatesTo =
      body.length === 1 &&
      only &&
      ts.isReturnStatement(only) &&
      only.expression &&
      ts.isCallExpression(only.expression) &&
      ts.isIdentifier(only.expression.expression)
        ? only.expression.expression.text
        : null;
    if (!delegatesTo || !wrapped.has(delegatesTo)) {
      findings.push({
        action: id,
        problem:
          'does not delegate to an action built by tenantAction, platformAction, publicAction or pendingSignInAction',
      });
    }
  }
  return { exported, findings };
}

describe('every server action goes through a wrapper', () => {
  const files = serverActionFiles();

  it('finds the server action files', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it('has each exported action delegate to a wrapped action (or be a listed session action)', () => {
    const findings = files.flatMap((file) => inspect(file).findings);
    expect(findings).toEqual([]);
  });

  it('lists only session actions that exist', () => {
    const exported = new Set(files.flatMap((file) => inspect(file).exported));
    expect(Object.keys(SESSION_ACTIONS).filter((id) => !exported.has(id))).toEqual([]);
  });

  it('catches an action written without a wrapper', () => {
    const probe = path.join(root, 'app', '.probe-actions.test-tmp.ts');
    fs.writeFileSync(
      probe,
      "'use server';\nimport { deleteEverything } from 'x';\nexport async function nukeAction(formData: FormData) {\n  return deleteEverything(formData);\n}\n",
    );
    try {
      expect(inspect(probe).findings).toEqual([
        {
          action: 'app/.probe-actions.test-tmp.ts#nukeAction',
          problem: expect.stringContaining('does not delegate'),
        },
      ]);
    } finally {
      fs.rmSync(probe);
    }
  });
});
