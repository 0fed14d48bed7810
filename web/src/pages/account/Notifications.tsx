import { PageTitle } from '../../components/ui';

export function NotificationsPage() {
  return <PageTitle>Notifications</PageTitle>;
}
