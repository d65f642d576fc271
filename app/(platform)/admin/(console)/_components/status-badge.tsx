import { Badge, type BadgeTone } from '@/components/ui/badge';
import type { TenantDTO } from '@/lib/tenancy';

type Status = TenantDTO['status'];

const tones: Record<Status, BadgeTone> = {
  trial: 'info',
  active: 'success',
  past_due: 'warning',
  suspended: 'danger',
  archived: 'neutral',
};

export function StatusBadge({ status, label }: { status: Status; label: string }) {
  return <Badge tone={tones[status]}>{label}</Badge>;
}
