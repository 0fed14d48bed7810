import { PageTitle } from '../../components/ui';

export function CustomerPage() {
  return <PageTitle>Customer</PageTitle>;
}
