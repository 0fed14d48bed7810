import { PageTitle } from '../../components/ui';

export function MessagesPage() {
  return <PageTitle>Messages</PageTitle>;
}
