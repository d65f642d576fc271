import { redirect } from 'next/navigation';
import { getCurrentViewer } from '@/lib/actions';

export default async function PortalHome() {
  redirect((await getCurrentViewer()) ? '/documents' : '/sign-in');
}
