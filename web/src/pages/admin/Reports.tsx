import { PageTitle } from '../../components/ui';

export function ReportsPage() {
  return <PageTitle>Reports</PageTitle>;
}
