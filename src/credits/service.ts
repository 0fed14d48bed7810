import type { Caller, Database } from '../db/index.js';
import { notFound, validationFailed } from '../errors.js';
import { requireStaff } from '../staff/access.js';
import { signedIn } from '../auth/caller.js';
import * as repo from './repository.js';

export class CreditService {
  constructor(private readonly db: Database) {}

  /**
   * The balance and every movement behind it, newest first (balance = sum of the ledger): the
   * response body as JSON text, built by the database.
   */
  async mine(caller: Caller, limit = 500): Promise<string> {
    signedIn(caller);
    return repo.myCreditsJson(this.db, caller, limit);
  }

  /**
   * Admin adjustment: one `adjustment` ledger row with created_by, written as the admin (RLS
   * allows admins exactly this insert). A balance never goes below zero (422 insufficient_credits).
   */
  async adjust(caller: Caller, customerId: string, amount: number, description: string): Promise<{ transaction: repo.LedgerRow; balance: number }> {
    const adminId = signedIn(caller);
    if (amount === 0) throw validationFailed('An adjustment cannot be 0', { field: 'amount' });
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'admin');
      if ((await repo.balanceOf(tx, customerId)) === undefined) throw notFound('Customer');
      const transaction = await repo.addLedgerEntry(tx, { user_id: customerId, amount, type: 'adjustment', description, created_by: adminId });
      return { transaction, balance: (await repo.balanceOf(tx, customerId))! };
    });
  }
}
