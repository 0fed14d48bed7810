import { PageTitle } from '../../components/ui';

export function CreditsPage() {
  return <PageTitle>Credits</PageTitle>;
}
