import { PageTitle } from '../../components/ui';

export function TodayPage() {
  return <PageTitle>Today</PageTitle>;
}
