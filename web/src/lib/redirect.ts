/** A ?redirect= target, only within this app (a path, never another site). */
export const safeRedirect = (to: string | undefined, fallback = '/account/bookings'): string => (to && to.startsWith('/') && !to.startsWith('//') ? to : fallback);
