import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewLinks } from '../../src/reviews/tokens.js';
import { expectErrorShape } from '../api/support.js';
import { bearer, errorCode, signup, signupStaff, startApp, TEST_SECRET, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { makeBooking, makePastBooking } from '../helpers/factories.js';

const DAY = 86_400_000;
const GOOGLE = 'https://search.google.com/local/writereview?placeid=ChIJtest123';

describe.each(engines)('the review flow on %s', (engine) => {
  let t: TestApp;
  let links: ReviewLinks;
  let admin: SignedUp;
  let operator: SignedUp;
  let days = 2;

  beforeAll(async () => {
    t = await startApp(engine);
    links = t.services.reviewLinks;
    admin = await signupStaff(t, 'admin');
    operator = await signupStaff(t, 'operator');
  });
  afterAll(() => t?.close());

  const inject = (options: InjectOptions, token?: string): Promise<LightMyRequestResponse> =>
    t.app.inject({ ...options, headers: { ...options.headers, ...(token ? bearer(token) : {}) } });

  /** A session that took place (a distinct past day per call), in the given status. */
  async function pastBooking(user: { id: string }, status: 'completed' | 'confirmed' | 'cancelled' = 'completed') {
    days += 1;
    return makePastBooking(t.db, { user_id: user.id, status, date_time: new Date(Date.now() - days * DAY), service_type: 'cold_plunge' });
  }

  const tokenOf = async (booking: { id: string; user_id: string }, issuedAt?: Date) => links.sign({ bookingId: booking.id, userId: booking.user_id }, issuedAt);
  const getRequest = (token: string) => inject({ method: 'GET', url: `/api/reviews/request/${token}` });
  const post = (payload: Record<string, unknown>, token?: string) => inject({ method: 'POST', url: '/api/reviews', payload }, token);
  const setGoogleUrl = (url: string | null) => inject({ method: 'PUT', url: '/api/admin/settings', payload: { google_review_url: url } }, admin.token);

  describe('review links', () => {
    it('a link shows its booking: service, time, first name, not yet reviewed', async () => {
      const customer = await signup(t.app, { full_name: 'Jane Quinn Doe' });
      const booking = await pastBooking(customer);
      const link = await links.link({ bookingId: booking.id, userId: customer.id });
      expect(link.startsWith(`${t.config.publicUrl}/review/`)).toBe(true);
      const res = await getRequest(link.slice(link.lastIndexOf('/') + 1));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        booking_id: booking.id,
        service: 'Cold Plunge',
        date_time: booking.date_time.toISOString(),
        first_name: 'Jane',
        reviewed: false,
      });
    });

    it('reviews only its own booking, even for a customer with other completed bookings', async () => {
      const customer = await signup(t.app);
      const [a, b] = [await pastBooking(customer), await pastBooking(customer)];
      const res = await post({ token: await tokenOf(a), rating: 5, comment: 'Great' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().review.booking_id).toBe(a.id);
      expect((await getRequest(await tokenOf(b))).json().reviewed).toBe(false);
      // Naming another booking beside the token is refused, not obeyed.
      const both = await post({ token: await tokenOf(a), booking_id: b.id, rating: 5 });
      expect(both.statusCode, both.body).toBe(400);
      // A token whose payload was edited to name booking b fails its signature.
      const [header, payload, signature] = (await tokenOf(a)).split('.');
      const edited = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace(a.id, b.id)).toString('base64url');
      const tampered = await post({ token: `${header}.${edited}.${signature}`, rating: 1 });
      expect(tampered.statusCode, tampered.body).toBe(404);
      expect((await getRequest(await tokenOf(b))).json().reviewed).toBe(false);
    });

    it('works for 30 days: a day before, fine; a day after, 410 review_link_expired', async () => {
      const customer = await signup(t.app);
      const booking = await pastBooking(customer);
      const fresh = await getRequest(await tokenOf(booking, new Date(Date.now() - 29 * DAY)));
      expect(fresh.statusCode, fresh.body).toBe(200);
      const stale = await tokenOf(booking, new Date(Date.now() - 31 * DAY));
      for (const res of [await getRequest(stale), await post({ token: stale, rating: 4 })]) {
        expect(res.statusCode, res.body).toBe(410);
        expect(errorCode(res)).toBe('review_link_expired');
        expectErrorShape(res);
      }
    });

    it('a forged or malformed link is 404', async () => {
      const customer = await signup(t.app);
      const booking = await pastBooking(customer);
      const forged = await new ReviewLinks({ secret: 'another-secret-another-secret-0123456789', publicUrl: 'http://x' }).sign({ bookingId: booking.id, userId: customer.id });
      for (const token of [forged, 'not-a-token', `${await tokenOf(booking)}x`]) {
        const res = await getRequest(token);
        expect(res.statusCode, `${token}: ${res.body}`).toBe(404);
        expectErrorShape(res);
        expect((await post({ token, rating: 5 })).statusCode).toBe(404);
      }
    });

    it('an access token is no review link, and a review link is no access token', async () => {
      const customer = await signup(t.app);
      const booking = await pastBooking(customer);
      expect((await getRequest(customer.token)).statusCode).toBe(404);
      expect((await post({ token: customer.token, rating: 5 })).statusCode).toBe(404);
      // Even an access token carrying the review claims, signed with the same key.
      const lookalike = await new SignJWT({ bid: booking.id, role: 'authenticated' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(customer.id)
        .setAudience('authenticated')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_SECRET));
      expect((await getRequest(lookalike)).statusCode).toBe(404);

      const reviewToken = await tokenOf(booking);
      const me = await inject({ method: 'GET', url: '/api/me' }, reviewToken);
      expect(me.statusCode, me.body).toBe(401);
      const signedIn = await post({ booking_id: booking.id, rating: 5 }, reviewToken);
      expect(signedIn.statusCode, signedIn.body).toBe(401);
    });
  });

  describe('submitting', () => {
    it('one review per booking: 409 already_reviewed, by link or signed in', async () => {
      const customer = await signup(t.app);
      const booking = await pastBooking(customer);
      expect((await post({ booking_id: booking.id, rating: 4, comment: 'Good' }, customer.token)).statusCode).toBe(201);
      for (const res of [await post({ token: await tokenOf(booking), rating: 5 }), await post({ booking_id: booking.id, rating: 2 }, customer.token)]) {
        expect(res.statusCode, res.body).toBe(409);
        expect(errorCode(res)).toBe('already_reviewed');
      }
      expect((await getRequest(await tokenOf(booking))).json().reviewed).toBe(true);
      const { rows } = await t.db.query<{ n: number; rating: number }>('select count(*)::int as n, max(rating) as rating from public.reviews where booking_id = $1', [booking.id]);
      expect(rows[0]).toEqual({ n: 1, rating: 4 });
    });

    it('two submissions at once: exactly one review', async () => {
      const customer = await signup(t.app);
      const booking = await pastBooking(customer);
      const token = await tokenOf(booking);
      const results = await Promise.all([1, 2, 3, 4].map((rating) => post({ token, rating })));
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    });

    it('a rating is a whole number from 1 to 5; a comment at most 2,000 characters', async () => {
      const customer = await signup(t.app);
      const booking = await pastBooking(customer);
      const token = await tokenOf(booking);
      for (const rating of [0, 6, 2.5, '5', null]) {
        const res = await post({ token, rating });
        expect(res.statusCode, `${String(rating)}: ${res.body}`).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
      }
      expect((await post({ token, rating: 5, comment: 'x'.repeat(2001) })).statusCode).toBe(400);
      expect((await post({ token, rating: 5, extra: 1 })).statusCode).toBe(400);
      // The database holds the same rules whoever writes.
      const direct = (rating: number, comment: string) => t.db.call({ role: 'authenticated', claims: { sub: customer.id, role: 'authenticated' } }, 'api.submit_review', [booking.id, rating, comment]);
      await expect(direct(7, 'ok')).rejects.toHaveProperty('constraint', 'reviews_rating_check');
      await expect(direct(5, 'y'.repeat(2001))).rejects.toHaveProperty('constraint', 'reviews_comment_length');
      const ok = await post({ token, rating: 5, comment: 'z'.repeat(2000) });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json().review.comment).toBe('z'.repeat(2000));
      // A blank comment is no comment.
      const blank = await post({ token: await tokenOf(await pastBooking(customer)), rating: 4, comment: '   ' });
      expect(blank.json().review).toMatchObject({ comment: null, suggested_feature: false });
    });

    it('only completed sessions: 422 booking_not_completed', async () => {
      const customer = await signup(t.app);
      for (const booking of [await pastBooking(customer, 'confirmed'), await pastBooking(customer, 'cancelled'), await makeBooking(t.db, { user_id: customer.id })]) {
        for (const res of [
          await getRequest(await tokenOf(booking)),
          await post({ token: await tokenOf(booking), rating: 5 }),
          await post({ booking_id: booking.id, rating: 5 }, customer.token),
        ]) {
          expect(res.statusCode, res.body).toBe(422);
          expect(errorCode(res)).toBe('booking_not_completed');
        }
      }
      const { rows } = await t.db.query<{ n: number }>('select count(*)::int as n from public.reviews where user_id = $1', [customer.id]);
      expect(rows[0]!.n).toBe(0);
    });

    it('signed in: only one’s own booking (404); signed out needs the link (401)', async () => {
      const [customer, other] = [await signup(t.app), await signup(t.app)];
      const booking = await pastBooking(other);
      expect((await post({ booking_id: booking.id, rating: 5 }, customer.token)).statusCode).toBe(404);
      expect((await post({ booking_id: booking.id, rating: 5 }, admin.token)).statusCode).toBe(404);
      const signedOut = await post({ booking_id: booking.id, rating: 5 });
      expect(signedOut.statusCode).toBe(401);
      expect((await post({ rating: 5 }, other.token)).statusCode).toBe(400);
    });
  });

  describe('public lists', () => {
    it('featured reviews show rating, comment, first name and last initial, service and month: no ids or emails', async () => {
      const customer = await signup(t.app, { full_name: 'Maria  de la Cruz ' });
      const booking = await pastBooking(customer);
      const review = (await post({ token: await tokenOf(booking), rating: 5, comment: 'Felt brand new' })).json().review;
      expect((await inject({ method: 'POST', url: `/api/admin/reviews/${review.id}/feature` }, admin.token)).statusCode).toBe(200);
      const res = await inject({ method: 'GET', url: '/api/reviews/featured?limit=50' });
      expect(res.statusCode, res.body).toBe(200);
      const shown = res.json().reviews as Record<string, unknown>[];
      const mine = shown.find((r) => r.comment === 'Felt brand new');
      const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles', year: 'numeric', month: '2-digit' }).format(booking.date_time);
      expect(mine).toEqual({ rating: 5, comment: 'Felt brand new', author: 'Maria C.', service: 'Cold Plunge', month });
      for (const r of shown) expect(Object.keys(r).sort()).toEqual(['author', 'comment', 'month', 'rating', 'service']);
      expect(res.body).not.toContain(customer.email);
      expect(res.body).not.toContain(customer.id);
      expect(res.body).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(res.body).not.toContain('Cruz');
    });

    it('the summary counts every review, featured or not, and averages them', async () => {
      const before = (await inject({ method: 'GET', url: '/api/reviews/summary' })).json() as { count: number; average: number | null };
      const { rows } = await t.db.query<{ sum: number }>('select coalesce(sum(rating), 0)::int as sum from public.reviews');
      const customer = await signup(t.app);
      for (const rating of [5, 4, 1]) expect((await post({ token: await tokenOf(await pastBooking(customer)), rating })).statusCode).toBe(201);
      const after = (await inject({ method: 'GET', url: '/api/reviews/summary' })).json();
      expect(after.count).toBe(before.count + 3);
      expect(after.average).toBe(Math.round(((rows[0]!.sum + 10) / after.count) * 100) / 100);
      // Signed in or not, the same figures.
      expect((await inject({ method: 'GET', url: '/api/reviews/summary' }, customer.token)).json()).toEqual(after);
    });
  });

  describe('staff', () => {
    it('lists reviews with suggestions (operators and up); features and unfeatures (admins)', async () => {
      const customer = await signup(t.app, { full_name: 'Sam Lee' });
      const made = [];
      for (const [rating, comment] of [[5, 'Loved it'], [4, 'Nice'], [5, ''], [3, 'Fine']] as const) {
        made.push((await post({ token: await tokenOf(await pastBooking(customer)), rating, comment })).json().review);
      }
      expect(made.map((r) => r.suggested_feature)).toEqual([true, true, false, false]);

      const list = await inject({ method: 'GET', url: '/api/admin/reviews?limit=200' }, operator.token);
      expect(list.statusCode, list.body).toBe(200);
      const listed = list.json().reviews.filter((r: { user_id: string }) => r.user_id === customer.id);
      expect(listed).toHaveLength(4);
      expect(listed[0].customer).toEqual({ id: customer.id, full_name: 'Sam Lee', email: customer.email });
      const suggested = (await inject({ method: 'GET', url: '/api/admin/reviews?suggested=true&limit=200' }, admin.token)).json().reviews;
      expect(suggested.every((r: { suggested_feature: boolean }) => r.suggested_feature)).toBe(true);
      expect(suggested.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([made[0].id, made[1].id]));
      expect((await inject({ method: 'GET', url: '/api/admin/reviews' }, customer.token)).statusCode).toBe(403);

      const target = made[0].id;
      for (const who of [customer, operator]) {
        const res = await inject({ method: 'POST', url: `/api/admin/reviews/${target}/feature` }, who.token);
        expect(res.statusCode, res.body).toBe(403);
      }
      const featured = await inject({ method: 'POST', url: `/api/admin/reviews/${target}/feature` }, admin.token);
      expect(featured.statusCode, featured.body).toBe(200);
      expect(featured.json().review).toMatchObject({ id: target, is_featured: true });
      const inPublic = async () => (await inject({ method: 'GET', url: '/api/reviews/featured?limit=50' })).json().reviews.some((r: { comment: string }) => r.comment === 'Loved it');
      expect(await inPublic()).toBe(true);
      const onlyFeatured = (await inject({ method: 'GET', url: '/api/admin/reviews?featured=true&limit=200' }, admin.token)).json().reviews;
      expect(onlyFeatured.map((r: { id: string }) => r.id)).toContain(target);
      expect(onlyFeatured.every((r: { is_featured: boolean }) => r.is_featured)).toBe(true);

      const unfeatured = await inject({ method: 'POST', url: `/api/admin/reviews/${target}/unfeature` }, admin.token);
      expect(unfeatured.json().review.is_featured).toBe(false);
      expect(await inPublic()).toBe(false);
      const missing = await inject({ method: 'POST', url: `/api/admin/reviews/00000000-0000-4000-8000-000000000000/feature` }, admin.token);
      expect(missing.statusCode).toBe(404);
      expect((await inject({ method: 'POST', url: `/api/admin/reviews/${target}/feature` })).statusCode).toBe(401);
    });
  });

  describe('Google', () => {
    it('no link set: no Google link offered, and the redirect is 404', async () => {
      expect((await setGoogleUrl(null)).statusCode).toBe(200);
      const customer = await signup(t.app);
      const res = await post({ token: await tokenOf(await pastBooking(customer)), rating: 5, comment: 'Top' });
      expect(res.json().google_review_link).toBeNull();
      const redirect = await inject({ method: 'GET', url: `/r/google/${res.json().review.id}` });
      expect(redirect.statusCode).toBe(404);
      expectErrorShape(redirect);
    });

    it('the setting takes an https URL or null only', async () => {
      for (const url of ['http://example.com/review', 'javascript:alert(1)', 'https://', 'not a url']) {
        const res = await setGoogleUrl(url);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      }
      await expect(t.db.query("update public.business_settings set google_review_url = 'http://example.com'")).rejects.toHaveProperty(
        'constraint',
        'business_settings_google_review_url_check',
      );
      expect((await inject({ method: 'PUT', url: '/api/admin/settings', payload: { google_review_url: GOOGLE } }, operator.token)).statusCode).toBe(403);
      const set = await setGoogleUrl(GOOGLE);
      expect(set.statusCode, set.body).toBe(200);
      expect(set.json().google_review_url).toBe(GOOGLE);
      expect((await inject({ method: 'GET', url: '/api/admin/settings' }, admin.token)).json().google_review_url).toBe(GOOGLE);
      // Changing something else keeps it; null clears it.
      expect((await inject({ method: 'PUT', url: '/api/admin/settings', payload: { order_expiry_minutes: 30 } }, admin.token)).json().google_review_url).toBe(GOOGLE);
      expect((await setGoogleUrl(null)).json().google_review_url).toBeNull();
    });

    it('every review, whatever its rating, is offered the link; following it sets google_synced', async () => {
      expect((await setGoogleUrl(GOOGLE)).statusCode).toBe(200);
      const customer = await signup(t.app);
      for (const rating of [1, 5]) {
        const res = await post({ token: await tokenOf(await pastBooking(customer)), rating });
        const { review, google_review_link: link } = res.json();
        expect(link).toBe(`${t.config.publicUrl}/r/google/${review.id}`);
        expect(review.google_synced).toBe(false);
        const redirect = await inject({ method: 'GET', url: new URL(link).pathname });
        expect(redirect.statusCode, redirect.body).toBe(302);
        expect(redirect.headers.location).toBe(GOOGLE);
        const { rows } = await t.db.query<{ google_synced: boolean }>('select google_synced from public.reviews where id = $1', [review.id]);
        expect(rows[0]!.google_synced).toBe(true);
      }
      expect((await inject({ method: 'GET', url: '/r/google/00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404);
      expect((await inject({ method: 'GET', url: '/r/google/nope' })).statusCode).toBe(400);
    });
  });

  it('the whole flow: complete a booking → link → review → featured by staff → shown publicly', async () => {
    const customer = await signup(t.app, { full_name: 'Olivia Park' });
    const booking = await pastBooking(customer, 'confirmed');
    const completed = await inject({ method: 'POST', url: `/api/admin/bookings/${booking.id}/complete` }, operator.token);
    expect(completed.statusCode, completed.body).toBe(200);

    const link = await links.link({ bookingId: booking.id, userId: customer.id });
    const token = new URL(link).pathname.split('/').pop()!;
    const page = await getRequest(token);
    expect(page.json()).toMatchObject({ first_name: 'Olivia', reviewed: false, service: 'Cold Plunge' });

    const submitted = await post({ token, rating: 5, comment: 'Best recovery session ever' });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const review = submitted.json().review;
    expect(review).toMatchObject({ booking_id: booking.id, user_id: customer.id, rating: 5, is_featured: false, suggested_feature: true });

    const queue = (await inject({ method: 'GET', url: '/api/admin/reviews?suggested=true&featured=false&limit=200' }, admin.token)).json();
    expect(queue.reviews.map((r: { id: string }) => r.id)).toContain(review.id);
    expect((await inject({ method: 'POST', url: `/api/admin/reviews/${review.id}/feature` }, admin.token)).statusCode).toBe(200);

    const shown = (await inject({ method: 'GET', url: '/api/reviews/featured' })).json().reviews;
    expect(shown[0]).toMatchObject({ rating: 5, comment: 'Best recovery session ever', author: 'Olivia P.', service: 'Cold Plunge' });
    expect((await getRequest(token)).json().reviewed).toBe(true);
  });
});
