import { PageTitle } from '../../components/ui';

export function BookingsPage() {
  return <PageTitle>My bookings</PageTitle>;
}
