import { PageTitle } from '../../components/ui';

export function CalendarPage() {
  return <PageTitle>Calendar</PageTitle>;
}
