import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { PendingSignInDTO } from '@/lib/auth';
import { AppError } from '@/lib/errors';
import type { TenantContextDTO } from '@/lib/tenancy';
import { runPendingSignInAction, type PendingSignInResolvedRequest } from './pending-sign-in';

const tenant = { id: randomUUID(), slug: 'acme', status: 'active' } as TenantContextDTO;
const pending: PendingSignInDTO = {
  sessionId: randomUUID(),
  userId: randomUUID(),
  membershipId: randomUUID(),
  email: 'ann@acme.test',
  name: 'Ann',
  step: 'mfa',
};

function resolved(
  overrides: { tenant?: TenantContextDTO | null; pending?: PendingSignInDTO | null } = {},
): PendingSignInResolvedRequest {
  return {
    request: { requestId: 'req-1', ip: '127.0.0.1', tenantSlug: 'acme' },
    tenant: async () => (overrides.tenant === undefined ? tenant : overrides.tenant),
    pending: async () => (overrides.pending === undefined ? pending : overrides.pending),
  };
}

function form(values: Record<string, string>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(values)) data.set(key, value);
  return data;
}

const definition = {
  name: 'sign_in.verify_code',
  input: z.object({ code: z.string().min(1, 'Enter a code.') }),
  steps: ['mfa'] as const,
};

describe('runPendingSignInAction', () => {
  it('hands the handler the host’s tenant and the half sign-in, then runs afterCommit', async () => {
    const after: string[] = [];
    const result = await runPendingSignInAction(
      resolved(),
      definition,
      async ({ ctx, input }) => {
        expect(ctx).toEqual({
          tenant,
          pending,
          actor: { type: 'user', id: pending.userId },
          request: { requestId: 'req-1', ip: '127.0.0.1' },
        });
        return input.code;
      },
      form({ code: '123456' }),
      (data) => {
        after.push(data);
      },
    );
    expect(result).toEqual({ ok: true, data: '123456' });
    expect(after).toEqual(['123456']);
  });

  it.each([
    ['invalid input', {}, { code: '' }, 'invalid_input'],
    ['no tenant on this host', { tenant: null }, { code: 'x' }, 'not_found'],
    [
      'a suspended tenant',
      { tenant: { ...tenant, status: 'suspended' } as TenantContextDTO },
      { code: 'x' },
      'tenant_suspended',
    ],
    [
      'no half sign-in (or a complete session)',
      { pending: null },
      { code: 'x' },
      'unauthenticated',
    ],
    [
      'a half sign-in owing another step',
      { pending: { ...pending, step: 'mfa_enrolment' as const } },
      { code: 'x' },
      'unauthenticated',
    ],
  ] as const)('refuses %s before the handler runs', async (_label, overrides, values, code) => {
    let ran = false;
    const result = await runPendingSignInAction(
      resolved(overrides),
      definition,
      async () => {
        ran = true;
      },
      form(values),
    );
    expect(result).toMatchObject({ ok: false, code });
    expect(ran).toBe(false);
  });

  it('answers the handler’s domain errors as they are, and others generically', async () => {
    expect(
      await runPendingSignInAction(
        resolved(),
        definition,
        async () => {
          throw new AppError('rate_limited', 'Too many wrong codes.');
        },
        form({ code: '000000' }),
      ),
    ).toMatchObject({ ok: false, code: 'rate_limited', message: 'Too many wrong codes.' });
    const failure = await runPendingSignInAction(
      resolved(),
      definition,
      async () => {
        throw new Error('relation "mfa_factors" does not exist');
      },
      form({ code: '000000' }),
    );
    expect(failure).toMatchObject({ ok: false, code: 'internal' });
    expect(JSON.stringify(failure)).not.toContain('mfa_factors');
  });
});
