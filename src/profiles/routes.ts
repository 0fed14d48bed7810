import { Type } from 'typebox';
import { errors, Nullable, Timestamp, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import type { ProfileService } from './service.js';

const ProfileResponse = Type.Object({
  id: Uuid,
  email: Type.String(),
  full_name: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  address: Nullable(Type.Ref('Address')),
  referral_code: Nullable(Type.String()),
  credits: Type.Integer({ description: 'Credit balance; 1 credit = $1' }),
  created_at: Timestamp,
});

const MeResponse = Type.Object({
  ...ProfileResponse.properties,
  staff_role: Nullable(
    Type.Union([Type.Literal('operator'), Type.Literal('admin'), Type.Literal('super_admin')], {
      description: 'The caller\'s staff role, or null for a customer (what the web app shows; the API checks every staff call itself)',
    }),
  ),
});

const ProfilePatch = Type.Object(
  {
    full_name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    phone: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 40, pattern: '^[+0-9 ()./-]+$' }))),
    address: Type.Optional(Nullable(Type.Ref('Address'))),
  },
  { additionalProperties: false },
);

const tags = ['profile'];
const security = [{ bearerAuth: [] }];

export function registerProfileRoutes(app: App, profiles: ProfileService): void {
  app.get(
    '/api/me',
    { config: { access: 'signed_in' }, schema: { tags, security, summary: 'My profile (and my staff role, if any)', response: { 200: MeResponse, ...errors(401) } } },
    async (request) => profiles.me(request.caller),
  );
  app.patch(
    '/api/me',
    {
      config: { access: 'signed_in' },
      schema: {
        tags,
        security,
        summary: 'Change my name, phone or address',
        description: 'Only full_name, phone and address are writable; credits, email and referral_code are not.',
        body: ProfilePatch,
        response: { 200: ProfileResponse, ...errors(400, 401) },
      },
    },
    async (request) => profiles.update(request.caller, request.body as Parameters<ProfileService['update']>[1]),
  );
}
