import { PageTitle } from '../../components/ui';

export function TeamPage() {
  return <PageTitle>Team</PageTitle>;
}
