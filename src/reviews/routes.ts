import { Type } from 'typebox';
import { errors, Nullable, Timestamp, Uuid } from '../http/schemas.js';
import { sendJsonText } from '../http/json-text.js';
import type { App } from '../http/types.js';
import type { ReviewService, ReviewSubmission } from './service.js';

const ReviewSchema = Type.Object({
  id: Uuid,
  booking_id: Uuid,
  user_id: Uuid,
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Nullable(Type.String()),
  is_featured: Type.Boolean(),
  google_synced: Type.Boolean({ description: 'The author followed our link to Google’s review page' }),
  suggested_feature: Type.Boolean({ description: '4 or 5 stars with a comment: worth featuring (staff decide)' }),
  created_at: Timestamp,
});

const AdminReviewSchema = Type.Object({
  ...ReviewSchema.properties,
  service_type: Type.String(),
  session_at: Timestamp,
  customer: Nullable(Type.Object({ id: Uuid, full_name: Nullable(Type.String()), email: Type.String() })),
});

const Token = Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9_.-]+$' });

const SubmitBody = Type.Object(
  {
    token: Type.Optional(Token),
    booking_id: Type.Optional(Uuid),
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    comment: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false, description: 'Either `token` (from the review link, no sign-in) or `booking_id` (signed in as its customer)' },
);

const IdParams = Type.Object({ id: Uuid });
const tags = ['reviews'];
const security = [{ bearerAuth: [] }];

export function registerReviewRoutes(app: App, reviews: ReviewService): void {
  app.get(
    '/api/reviews/request/:token',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'What a review link is for: the booking’s service, time and customer’s first name',
        description: '404 for a link we did not sign; 410 review_link_expired after 30 days; 422 booking_not_completed.',
        params: Type.Object({ token: Token }),
        response: {
          200: Type.Object({ booking_id: Uuid, service: Type.String(), date_time: Timestamp, first_name: Nullable(Type.String()), reviewed: Type.Boolean() }),
          ...errors(400, 404, 410, 422),
        },
      },
    },
    async (request) => reviews.request(request.params.token),
  );

  app.post(
    '/api/reviews',
    {
      config: { access: 'public' },
      schema: {
        tags,
        security: [{}, { bearerAuth: [] }],
        summary: 'Review a completed session: by its review link (no sign-in) or signed in by booking id',
        description:
          'One review per booking (409 already_reviewed); 422 booking_not_completed. The response offers Google’s review page through GET /r/google/:id whenever a Google link is set, whatever the rating.',
        body: SubmitBody,
        response: { 201: Type.Object({ review: ReviewSchema, google_review_link: Nullable(Type.String()) }), ...errors(400, 401, 404, 409, 410, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(await reviews.submit(request.caller, request.body as ReviewSubmission)),
  );

  app.get(
    '/api/reviews/featured',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Featured reviews, newest first: rating, comment, first name and last initial, service, month of the session',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 50, default: 12 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            reviews: Type.Array(
              Type.Object({
                rating: Type.Integer(),
                comment: Nullable(Type.String()),
                author: Nullable(Type.String({ description: 'e.g. "Jane D."' })),
                service: Type.String(),
                month: Type.String({ description: 'YYYY-MM, in the business time zone' }),
              }),
            ),
          }),
          ...errors(400),
        },
      },
    },
    async (request, reply) => sendJsonText(reply, await reviews.featured(request.caller, request.query.limit)),
  );

  app.get(
    '/api/reviews/summary',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'How many reviews, and their average rating (null when none)',
        response: { 200: Type.Object({ count: Type.Integer(), average: Nullable(Type.Number()) }) },
      },
    },
    async (request, reply) => sendJsonText(reply, await reviews.summary(request.caller)),
  );

  app.get(
    '/api/admin/reviews',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'All reviews, newest first, with their customers (filters: featured, suggested)',
        querystring: Type.Object(
          {
            featured: Type.Optional(Type.Boolean()),
            suggested: Type.Optional(Type.Boolean({ description: 'Only (or only not) those suggested for featuring' })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
            offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ reviews: Type.Array(AdminReviewSchema), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => sendJsonText(reply, await reviews.adminList(request.caller, request.query)),
  );

  for (const [action, featured] of [['feature', true], ['unfeature', false]] as const) {
    app.post(
      `/api/admin/reviews/:id/${action}`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['admin'],
          security,
          summary: featured ? 'Show a review on the public list' : 'Take a review off the public list',
          params: IdParams,
          response: { 200: Type.Object({ review: ReviewSchema }), ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => ({ review: await reviews.setFeatured(request.caller, request.params.id, featured) }),
    );
  }

  // Not under /api: a link in the review page and in emails.
  app.get(
    '/r/google/:id',
    {
      schema: {
        tags,
        summary: 'Redirects to Google’s "write a review" page (setting google_review_url) and marks the review google_synced',
        params: IdParams,
        response: { 302: { description: 'To the business’s Google review page', type: 'null' }, ...errors(400, 404) },
      },
    },
    async (request, reply) => reply.redirect(await reviews.googleRedirect(request.caller, request.params.id), 302),
  );
}
