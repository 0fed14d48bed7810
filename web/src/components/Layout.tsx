import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { signOut } from '../api/client';
import { useMe, useSession } from '../auth/session';
import { useBusiness } from '../lib/business';

/** The frame of every page: a skip link, the header with the navigation, the page, the footer. */
export function Layout() {
  const session = useSession();
  const me = useMe();
  const business = useBusiness();
  const path = useRouterState({ select: (s) => s.location.pathname });
  const inAdmin = path.startsWith('/admin');
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          {business.data?.business_name ?? 'Recovery Machine'}
        </Link>
        <nav aria-label="Main">
          <ul>
            {!inAdmin && (
              <li>
                <Link to="/book" className="nav-cta">
                  Book
                </Link>
              </li>
            )}
            {session ? (
              <>
                <li>
                  <Link to="/account/bookings">My bookings</Link>
                </li>
                {me.data?.staff_role && !inAdmin && (
                  <li>
                    <Link to="/admin">Staff</Link>
                  </li>
                )}
                <li>
                  <button type="button" className="btn btn-link" onClick={() => void signOut()}>
                    Sign out
                  </button>
                </li>
              </>
            ) : (
              <li>
                <Link to="/login">Sign in</Link>
              </li>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1} className={inAdmin ? 'main main-wide' : 'main'}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>
          {business.data?.business_name ?? 'Recovery Machine'}
          {business.data?.business_phone && (
            <>
              {' · '}
              <a href={`tel:${business.data.business_phone.replace(/[^+0-9]/g, '')}`}>{business.data.business_phone}</a>
            </>
          )}
          {business.data?.business_address && <> · {business.data.business_address}</>}
        </p>
        {session && !inAdmin && (
          <nav aria-label="Account">
            <ul>
              <li><Link to="/account/bookings">Bookings</Link></li>
              <li><Link to="/account/credits">Credits</Link></li>
              <li><Link to="/account/referrals">Refer a friend</Link></li>
              <li><Link to="/account/profile">Profile</Link></li>
              <li><Link to="/account/notifications">Notifications</Link></li>
            </ul>
          </nav>
        )}
      </footer>
    </>
  );
}
