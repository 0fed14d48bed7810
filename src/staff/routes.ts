import { Type } from 'typebox';
import { Email, errors, Nullable, Timestamp, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import type { StaffService } from './service.js';

const Role = Type.Union([Type.Literal('operator'), Type.Literal('admin'), Type.Literal('super_admin')]);
const StaffMember = Type.Object({
  email: Type.String(),
  role: Role,
  user_id: Nullable(Uuid),
  created_at: Timestamp,
});
const security = [{ bearerAuth: [] }];

export function registerStaffRoutes(app: App, staff: StaffService): void {
  app.get(
    '/api/admin/staff',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Staff and their roles (super admins)',
        response: { 200: Type.Object({ staff: Type.Array(StaffMember) }), ...errors(401, 403) },
      },
    },
    async (request) => ({ staff: await staff.list(request.caller) }),
  );

  app.post(
    '/api/admin/staff',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Add a staff member or change their role (super admins); 201 added, 200 changed',
        body: Type.Object({ email: Email, role: Role }, { additionalProperties: false }),
        response: { 200: Type.Object({ staff: StaffMember }), 201: Type.Object({ staff: StaffMember }), ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const saved = await staff.save(request.caller, request.body.email, request.body.role);
      return reply.status(saved.created ? 201 : 200).send({ staff: saved.staff });
    },
  );

  app.delete(
    '/api/admin/staff/:email',
    {
      config: { access: 'super_admin' },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Remove a staff member (super admins); the last super_admin stays',
        params: Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }) }),
        response: { 204: Type.Null(), ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await staff.remove(request.caller, request.params.email);
      return reply.status(204).send(null);
    },
  );
}
