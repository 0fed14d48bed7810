import { PageTitle } from '../../components/ui';

export function SlotsPage() {
  return <PageTitle>Slots</PageTitle>;
}
