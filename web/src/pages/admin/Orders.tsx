import { PageTitle } from '../../components/ui';

export function OrdersPage() {
  return <PageTitle>Orders</PageTitle>;
}
