import { PageTitle } from '../components/ui';

export function LoginPage() {
  return <PageTitle>Sign in</PageTitle>;
}
