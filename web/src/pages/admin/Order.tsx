import { PageTitle } from '../../components/ui';

export function OrderPage() {
  return <PageTitle>Order</PageTitle>;
}
