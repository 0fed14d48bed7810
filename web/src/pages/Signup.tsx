import { PageTitle } from '../components/ui';

export function SignupPage() {
  return <PageTitle>Create your account</PageTitle>;
}
