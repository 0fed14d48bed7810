import { PageTitle } from '../components/ui';

export function BookPage() {
  return <PageTitle>Book a session</PageTitle>;
}
