import { PageTitle } from '../components/ui';

export function ReviewPage() {
  return <PageTitle>Review your session</PageTitle>;
}
