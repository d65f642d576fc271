import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';

type KeyVersion = {
  version: number;
  status: 'active' | 'retiring' | 'retired' | 'destroyed';
  masterKeyId: string;
  createdAt: Date;
  retiredAt: Date | null;
};

const statusLabels: Record<KeyVersion['status'], { label: string; tone: BadgeTone }> = {
  active: { label: 'Active', tone: 'success' },
  retiring: { label: 'Retiring', tone: 'warning' },
  retired: { label: 'Retired', tone: 'neutral' },
  destroyed: { label: 'Destroyed', tone: 'danger' },
};

const dateTime = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

export const formatKeyDate = (date: Date) => `${dateTime.format(date)} UTC`;

/** A tenant's data key versions, newest first (settings → Encryption and the console). */
export function KeyVersionsTable({ keys }: { keys: KeyVersion[] }) {
  return (
    <Table caption="Data key versions, newest first">
      <TableHead>
        <tr>
          <Th>Version</Th>
          <Th>Status</Th>
          <Th>Created</Th>
          <Th>Retired</Th>
          <Th>Wrapped by</Th>
        </tr>
      </TableHead>
      <tbody>
        {keys.map((key) => (
          <Tr key={key.version}>
            <Td>{key.version}</Td>
            <Td>
              <Badge tone={statusLabels[key.status].tone}>{statusLabels[key.status].label}</Badge>
            </Td>
            <Td>{formatKeyDate(key.createdAt)}</Td>
            <Td>{key.retiredAt ? formatKeyDate(key.retiredAt) : '—'}</Td>
            <Td className="font-mono text-xs">{key.masterKeyId}</Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
