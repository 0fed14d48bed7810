import { PageTitle } from '../../components/ui';

export function ReviewsPage() {
  return <PageTitle>Reviews</PageTitle>;
}
