import type { Caller, Database } from '../db/index.js';
import { notFound } from '../errors.js';
import { signedIn } from '../profiles/service.js';
import * as repo from './repository.js';

export class CreditService {
  constructor(private readonly db: Database) {}

  /** The balance and every movement behind it, newest first (balance = sum of the ledger). */
  async mine(caller: Caller, limit = 500): Promise<{ balance: number; transactions: repo.LedgerRow[] }> {
    const id = signedIn(caller);
    return this.db.asCaller(caller, async (tx) => {
      const balance = await repo.balanceOf(tx, id);
      if (balance === undefined) throw notFound('Profile');
      return { balance, transactions: await repo.listLedger(tx, id, limit) };
    });
  }
}
