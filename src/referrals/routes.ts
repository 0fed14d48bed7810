import { Type } from 'typebox';
import { Email, errors, Timestamp, Uuid } from '../http/schemas.js';
import type { App } from '../http/types.js';
import type { ReferralService } from './service.js';

const Invitation = Type.Object({
  id: Uuid,
  invitee_email: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('expired')]),
  reward_credits: Type.Integer({ description: 'Credits each side earns when the friend’s first booking is paid (or at sign-up, per settings.referral_reward_on)' }),
  referral_code: Type.String(),
  created_at: Timestamp,
  expires_at: Timestamp,
});

const security = [{ bearerAuth: [] }];

export function registerReferralRoutes(app: App, referrals: ReferralService): void {
  app.post(
    '/api/referrals',
    {
      config: { access: 'signed_in' },
      schema: {
        tags: ['referrals'],
        security,
        summary: 'Invite a friend by email',
        body: Type.Object({ email: Email }, { additionalProperties: false }),
        response: { 201: Type.Object({ referral: Type.Object({ ...Invitation.properties, invite_url: Type.String() }) }), ...errors(400, 401, 409, 422, 429) },
      },
    },
    async (request, reply) => reply.status(201).send({ referral: await referrals.invite(request.caller, request.body.email) }),
  );
  app.get(
    '/api/referrals',
    {
      config: { access: 'signed_in' },
      schema: {
        tags: ['referrals'],
        security,
        summary: 'My referral link and invitations',
        response: { 200: Type.Object({ referral_code: Type.String(), invite_url: Type.String(), invitations: Type.Array(Invitation) }), ...errors(401) },
      },
    },
    async (request) => referrals.mine(request.caller),
  );
}
