import { PageTitle } from '../components/ui';

export function HomePage() {
  return <PageTitle>Recovery Machine</PageTitle>;
}
