import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../http/schemas.js';

/** One row of a customer's credit ledger, as the credits and customers routes answer it. */
export const LedgerEntry = Type.Object({
  id: Uuid,
  amount: Type.Integer({ description: 'Credits; positive in, negative out' }),
  type: Type.Union([Type.Literal('earned'), Type.Literal('spent'), Type.Literal('refunded'), Type.Literal('adjustment')]),
  description: Type.String(),
  reference_id: Nullable(Uuid),
  created_at: Timestamp,
  friend: Type.Optional(
    Nullable(Type.String({ description: 'Only on referral rewards in GET /api/me/credits: the first name of the friend on the other side (null when they gave none)' })),
  ),
});
