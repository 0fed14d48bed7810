import { Type } from 'typebox';
import { sendJsonText } from '../http/json-text.js';
import { errors, Nullable } from '../http/schemas.js';
import type { App } from '../http/types.js';
import { reportNames } from './repository.js';
import type { ReportService } from './service.js';

const DateParam = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD, a local date in the business time zone' });

const ReportResponse = Type.Object({
  report: Type.String(),
  from: Nullable(Type.String({ description: 'null for customers: lifetime figures' })),
  to: Type.String(),
  timezone: Type.String(),
  rows: Type.Array(Type.Object({}, { additionalProperties: true })),
  next_cursor: Nullable(Type.String()),
});

export function registerReportRoutes(app: App, reports: ReportService): void {
  app.get(
    '/api/admin/reports/:name',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        summary: `A report for staff (${reportNames.join(', ')}): JSON, or CSV with ?format=csv or Accept: text/csv`,
        params: Type.Object({ name: Type.String({ maxLength: 40 }) }),
        querystring: Type.Object(
          {
            from: Type.Optional(DateParam),
            to: Type.Optional(DateParam),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            cursor: Type.Optional(Type.String({ maxLength: 500 })),
            format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'The report: JSON (a page, for the ranked lists customers and referrers), or every row as CSV',
            content: {
              'application/json': { schema: ReportResponse },
              'text/csv': { schema: Type.String() },
            },
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const q = request.query;
      const wantsCsv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/i.test(request.headers.accept ?? ''));
      if (!wantsCsv) return sendJsonText(reply, await reports.json(request.caller, name, q));
      const csv = await reports.csv(request.caller, name, { from: q.from, to: q.to });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csv.filename}"`)
        .send(csv.body as never); // a stream: the response schema describes the JSON variant
    },
  );
}
