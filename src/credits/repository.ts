import type { Queryable } from '../db/index.js';

export interface LedgerRow {
  id: string;
  amount: number;
  type: 'earned' | 'spent' | 'refunded' | 'adjustment';
  description: string;
  reference_id: string | null;
  created_at: Date;
}

/** Under RLS: the caller's own ledger (staff: anyone's). Newest first. */
export async function listLedger(tx: Queryable, userId: string, limit: number): Promise<LedgerRow[]> {
  const { rows } = await tx.query<LedgerRow>(
    `select id, amount, type, description, reference_id, created_at
       from public.credit_transactions where user_id = $1
      order by created_at desc, id desc limit $2`,
    [userId, limit],
  );
  return rows;
}

export async function balanceOf(tx: Queryable, userId: string): Promise<number | undefined> {
  const { rows } = await tx.query<{ credits: number }>('select credits from public.profiles where id = $1', [userId]);
  return rows[0]?.credits;
}
