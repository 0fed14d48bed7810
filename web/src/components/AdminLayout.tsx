import { Link, Navigate, Outlet, useRouterState } from '@tanstack/react-router';
import { atLeast, useMe, useSession, type StaffRole } from '../auth/session';
import { ErrorMessage, Loading, PageTitle } from './ui';

/** The console's pages and the least role that sees each (the API checks every call itself). */
export const adminPages: { to: string; label: string; min: StaffRole }[] = [
  { to: '/admin', label: 'Today', min: 'operator' },
  { to: '/admin/calendar', label: 'Calendar', min: 'operator' },
  { to: '/admin/slots', label: 'Slots', min: 'admin' },
  { to: '/admin/customers', label: 'Customers', min: 'operator' },
  { to: '/admin/orders', label: 'Orders', min: 'admin' },
  { to: '/admin/reviews', label: 'Reviews', min: 'operator' },
  { to: '/admin/reports', label: 'Reports', min: 'admin' },
  { to: '/admin/messages', label: 'Messages', min: 'admin' },
  { to: '/admin/settings', label: 'Settings', min: 'admin' },
  { to: '/admin/team', label: 'Team', min: 'super_admin' },
];

/** The staff console's frame: signed-in staff only, the navigation their role may use. */
export function AdminLayout() {
  const session = useSession();
  const me = useMe();
  const path = useRouterState({ select: (s) => s.location.pathname });
  if (!session) return <Navigate to="/login" search={{ redirect: path }} />;
  if (me.isPending) return <Loading />;
  if (me.error) return <ErrorMessage error={me.error} onRetry={() => void me.refetch()} />;
  const role = me.data?.staff_role;
  if (!role) {
    return (
      <section>
        <PageTitle lead="This part of the site is for Recovery Machine's team.">Staff only</PageTitle>
      </section>
    );
  }
  const page = adminPages.filter((p) => p.to !== '/admin').find((p) => path.startsWith(p.to));
  return (
    <div className="admin">
      <nav aria-label="Staff console" className="admin-nav">
        <ul>
          {adminPages
            .filter((p) => atLeast(role, p.min))
            .map((p) => (
              <li key={p.to}>
                <Link to={p.to} activeOptions={{ exact: p.to === '/admin' }} activeProps={{ 'aria-current': 'page', className: 'active' }}>
                  {p.label}
                </Link>
              </li>
            ))}
        </ul>
        <p className="admin-role">Signed in as {role.replace('_', ' ')}</p>
      </nav>
      <div className="admin-page">
        {page && !atLeast(role, page.min) ? (
          <section>
            <PageTitle lead={`Only ${page.min.replace('_', ' ')}s may use ${page.label}.`}>Not for your role</PageTitle>
          </section>
        ) : (
          <Outlet />
        )}
      </div>
    </div>
  );
}
