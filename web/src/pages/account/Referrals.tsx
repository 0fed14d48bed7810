import { PageTitle } from '../../components/ui';

export function ReferralsPage() {
  return <PageTitle>Refer a friend</PageTitle>;
}
