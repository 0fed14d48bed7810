import type { Caller, Database, Queryable } from '../db/index.js';

export interface LedgerRow {
  id: string;
  amount: number;
  type: 'earned' | 'spent' | 'refunded' | 'adjustment';
  description: string;
  reference_id: string | null;
  created_at: Date;
}

/**
 * The caller's balance and newest `limit` ledger rows as the response body
 * {"balance", "transactions"}, built by the database in one call (api.my_credits; 404 without a profile).
 */
export function myCreditsJson(db: Database, caller: Caller, limit: number): Promise<string> {
  return db.callText(caller, 'api.my_credits', [limit]);
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

export interface NewLedgerEntry {
  user_id: string;
  /** Credits; positive in, negative out. The database keeps profiles.credits equal to the sum. */
  amount: number;
  type: LedgerRow['type'];
  description: string;
  reference_id?: string | null;
  created_by?: string | null;
}

export async function addLedgerEntry(tx: Queryable, e: NewLedgerEntry): Promise<LedgerRow> {
  const { rows } = await tx.query<LedgerRow>(
    `insert into public.credit_transactions (user_id, amount, type, description, reference_id, created_by)
     values ($1, $2, $3, $4, $5, $6)
     returning id, amount, type, description, reference_id, created_at`,
    [e.user_id, e.amount, e.type, e.description, e.reference_id ?? null, e.created_by ?? null],
  );
  return rows[0]!;
}
