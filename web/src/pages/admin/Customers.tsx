import { PageTitle } from '../../components/ui';

export function CustomersPage() {
  return <PageTitle>Customers</PageTitle>;
}
