import { Link } from '@tanstack/react-router';
import { PageTitle } from './ui';

export function NotFound() {
  return (
    <section>
      <PageTitle lead="The page you asked for is not here.">Page not found</PageTitle>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </section>
  );
}
