'use server';

import { revalidatePath } from 'next/cache';
import { platformAction, type ActionState } from '@/lib/actions';
import { setUnitCosts, unitCostLabels, unitCostsInput } from '@/lib/billing';
import type { UnitCostsSaved } from './_components/unit-cost-form';

// Next.js accepts only async function declarations as exports of a 'use server' file, so the
// export delegates to the wrapped action. platformAction refuses tenant hosts, validates the
// dollars (turned into cents), checks the operator's session and runs the change in one platform
// transaction; setUnitCosts stamps the rows with the operator and logs the change with the old
// and new amounts (there is no tenant whose audit trail could hold a platform-wide change).
const updateUnitCosts = platformAction(
  { name: 'platform.update_unit_costs', input: unitCostsInput },
  async ({ tx, ctx, input }): Promise<UnitCostsSaved> => {
    const changes = await setUnitCosts(tx, input, ctx.operator.userId, ctx.request);
    if (changes.length === 0)
      return { message: 'Nothing changed: the unit costs were already these.' };
    const names = changes.map((change) => unitCostLabels[change.resource].label.toLowerCase());
    return { message: `Unit costs saved (${names.join(', ')}). The report below uses them.` };
  },
  () => revalidatePath('/admin/costs'),
);

export async function updateUnitCostsAction(
  previous: ActionState<UnitCostsSaved>,
  formData: FormData,
) {
  return updateUnitCosts(previous, formData);
}
