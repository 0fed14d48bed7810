import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent } from '@tanstack/react-router';
import { AdminLayout } from './components/AdminLayout';
import { Layout } from './components/Layout';
import { NotFound } from './components/NotFound';

/**
 * Every page of the web app. Each page's code is its own chunk (lazyRouteComponent), so the first
 * load ships only the shell and the page asked for; the staff console's code (charts included)
 * never reaches a customer's phone.
 */
const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({ component: Layout, notFoundComponent: NotFound });

const page = <P extends string, T extends Record<string, unknown>>(path: P, load: () => Promise<T>, exportName: keyof T & string) =>
  createRoute({ getParentRoute: () => rootRoute, path, component: lazyRouteComponent(load, exportName) });

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const homeRoute = page('/', () => import('./pages/Home'), 'HomePage');
const bookRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/book',
  validateSearch: (s: Record<string, unknown>): { service?: string } => ({ service: str(s.service) }),
  component: lazyRouteComponent(() => import('./pages/Book'), 'BookPage'),
});
const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (s: Record<string, unknown>): { redirect?: string } => ({ redirect: str(s.redirect) }),
  component: lazyRouteComponent(() => import('./pages/Login'), 'LoginPage'),
});
const signupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/signup',
  validateSearch: (s: Record<string, unknown>): { ref?: string; redirect?: string } => ({ ref: str(s.ref), redirect: str(s.redirect) }),
  component: lazyRouteComponent(() => import('./pages/Signup'), 'SignupPage'),
});
const bookingsRoute = page('/account/bookings', () => import('./pages/account/Bookings'), 'BookingsPage');
const creditsRoute = page('/account/credits', () => import('./pages/account/Credits'), 'CreditsPage');
const referralsRoute = page('/account/referrals', () => import('./pages/account/Referrals'), 'ReferralsPage');
const profileRoute = page('/account/profile', () => import('./pages/account/Profile'), 'ProfilePage');
const notificationsRoute = page('/account/notifications', () => import('./pages/account/Notifications'), 'NotificationsPage');
const reviewRoute = page('/review/$token', () => import('./pages/Review'), 'ReviewPage');

const adminRoute = createRoute({ getParentRoute: () => rootRoute, path: '/admin', component: AdminLayout });
const adminPage = <P extends string, T extends Record<string, unknown>>(path: P, load: () => Promise<T>, exportName: keyof T & string) =>
  createRoute({ getParentRoute: () => adminRoute, path, component: lazyRouteComponent(load, exportName) });
const adminTodayRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/',
  validateSearch: (s: Record<string, unknown>): { day?: string } => ({ day: str(s.day) }),
  component: lazyRouteComponent(() => import('./pages/admin/Today'), 'TodayPage'),
});
const adminCalendarRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/calendar',
  validateSearch: (s: Record<string, unknown>): { day?: string; view?: 'day' | 'week' } => ({ day: str(s.day), view: s.view === 'day' ? 'day' : s.view === 'week' ? 'week' : undefined }),
  component: lazyRouteComponent(() => import('./pages/admin/Calendar'), 'CalendarPage'),
});
const adminSlotsRoute = adminPage('/slots', () => import('./pages/admin/Slots'), 'SlotsPage');
const adminCustomersRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/customers',
  validateSearch: (s: Record<string, unknown>): { q?: string } => ({ q: str(s.q) }),
  component: lazyRouteComponent(() => import('./pages/admin/Customers'), 'CustomersPage'),
});
const adminCustomerRoute = adminPage('/customers/$id', () => import('./pages/admin/Customer'), 'CustomerPage');
const adminOrdersRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/orders',
  validateSearch: (s: Record<string, unknown>): { status?: string } => ({ status: str(s.status) }),
  component: lazyRouteComponent(() => import('./pages/admin/Orders'), 'OrdersPage'),
});
const adminOrderRoute = adminPage('/orders/$id', () => import('./pages/admin/Order'), 'OrderPage');
const adminReviewsRoute = adminPage('/reviews', () => import('./pages/admin/Reviews'), 'ReviewsPage');
const adminReportsRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/reports',
  validateSearch: (s: Record<string, unknown>): { from?: string; to?: string } => ({ from: str(s.from), to: str(s.to) }),
  component: lazyRouteComponent(() => import('./pages/admin/Reports'), 'ReportsPage'),
});
const adminMessagesRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/messages',
  validateSearch: (s: Record<string, unknown>): { status?: string; kind?: string } => ({ status: str(s.status), kind: str(s.kind) }),
  component: lazyRouteComponent(() => import('./pages/admin/Messages'), 'MessagesPage'),
});
const adminSettingsRoute = adminPage('/settings', () => import('./pages/admin/Settings'), 'SettingsPage');
const adminTeamRoute = adminPage('/team', () => import('./pages/admin/Team'), 'TeamPage');

const routeTree = rootRoute.addChildren([
  homeRoute,
  bookRoute,
  loginRoute,
  signupRoute,
  bookingsRoute,
  creditsRoute,
  referralsRoute,
  profileRoute,
  notificationsRoute,
  reviewRoute,
  adminRoute.addChildren([
    adminTodayRoute,
    adminCalendarRoute,
    adminSlotsRoute,
    adminCustomersRoute,
    adminCustomerRoute,
    adminOrdersRoute,
    adminOrderRoute,
    adminReviewsRoute,
    adminReportsRoute,
    adminMessagesRoute,
    adminSettingsRoute,
    adminTeamRoute,
  ]),
]);

export const router = createRouter({
  routeTree,
  context: { queryClient: undefined! },
  defaultPreload: 'intent',
  scrollRestoration: true,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
