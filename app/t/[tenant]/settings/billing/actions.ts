'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { tenantAction, type ActionState, type TenantActionContext } from '@/lib/actions';
import {
  budgetInput,
  changeInternalPlan,
  type PlanChange,
  openBillingPortal,
  removeBudget,
  saveBudget,
  startCheckout,
  stripeFromEnv,
} from '@/lib/billing';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { protocolFor, tenantOrigin } from '@/lib/host';
import { planIdSchema } from '@/lib/plans';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action (validate, authenticate, billing:manage, audit in lib).

const planInput = z.object({ plan: planIdSchema });
const revalidate = () => revalidatePath('/settings/billing');

function billingPageUrl(ctx: TenantActionContext): string {
  const { ROOT_DOMAIN } = env();
  return `${tenantOrigin(ctx.tenant.slug, ROOT_DOMAIN, protocolFor(ROOT_DOMAIN))}/settings/billing`;
}

function stripe() {
  const client = stripeFromEnv();
  if (!client) throw new AppError('conflict', 'Billing runs without Stripe on this installation.');
  return client;
}

const changePlan = tenantAction(
  { name: 'billing.change_plan', input: planInput, permission: 'billing:manage' },
  ({ tx, ctx, input }) =>
    changeInternalPlan(tx, {
      tenantId: ctx.tenant.id,
      plan: input.plan,
      actor: ctx.actor,
      request: ctx.request,
    }),
  () => revalidatePath('/', 'layout'),
);

const checkout = tenantAction(
  { name: 'billing.checkout', input: planInput, permission: 'billing:manage' },
  ({ tx, ctx, input }) =>
    startCheckout(tx, stripe(), {
      tenantId: ctx.tenant.id,
      plan: input.plan,
      email: ctx.viewer.email,
      returnUrl: billingPageUrl(ctx),
      actor: ctx.actor,
      request: ctx.request,
    }),
);

const portal = tenantAction(
  { name: 'billing.portal', input: z.object({}), permission: 'billing:manage' },
  ({ tx, ctx }) =>
    openBillingPortal(tx, stripe(), {
      tenantId: ctx.tenant.id,
      returnUrl: billingPageUrl(ctx),
      actor: ctx.actor,
      request: ctx.request,
    }),
);

const setBudget = tenantAction(
  { name: 'billing.save_budget', input: budgetInput, permission: 'billing:manage' },
  async ({ tx, ctx, input }) => {
    await saveBudget(tx, {
      tenantId: ctx.tenant.id,
      input,
      actor: ctx.actor,
      request: ctx.request,
    });
    return { saved: true };
  },
  revalidate,
);

const deleteBudget = tenantAction(
  { name: 'billing.remove_budget', input: z.object({}), permission: 'billing:manage' },
  async ({ tx, ctx }) => {
    await removeBudget(tx, { tenantId: ctx.tenant.id, actor: ctx.actor, request: ctx.request });
    return { removed: true };
  },
  revalidate,
);

export async function changePlanAction(previous: ActionState<PlanChange>, formData: FormData) {
  return changePlan(previous, formData);
}

export async function checkoutAction(previous: ActionState<{ url: string }>, formData: FormData) {
  return checkout(previous, formData);
}

export async function portalAction(previous: ActionState<{ url: string }>, formData: FormData) {
  return portal(previous, formData);
}

export async function saveBudgetAction(
  previous: ActionState<{ saved: boolean }>,
  formData: FormData,
) {
  return setBudget(previous, formData);
}

export async function removeBudgetAction(
  previous: ActionState<{ removed: boolean }>,
  formData: FormData,
) {
  return deleteBudget(previous, formData);
}
