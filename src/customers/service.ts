import * as bookings from '../bookings/repository.js';
import * as credits from '../credits/repository.js';
import type { Caller, Database } from '../db/index.js';
import { notFound } from '../errors.js';
import * as orders from '../orders/repository.js';
import * as profiles from '../profiles/repository.js';
import { atLeast, requireStaff } from '../staff/access.js';
import * as repo from './repository.js';

/** What staff see of one customer. Orders, ledger and referrals are admins' (null for operators). */
export interface CustomerDetail {
  profile: profiles.Profile;
  bookings: bookings.Booking[];
  orders: orders.Order[] | null;
  credit_ledger: credits.LedgerRow[] | null;
  referrals: { made: repo.CustomerReferral[]; received: repo.CustomerReferral[] } | null;
  reviews: repo.CustomerReview[];
}

const DETAIL_ROWS = 200;

/** Staff (operator and up) find customers and see their history, as themselves under RLS. */
export class CustomerService {
  constructor(private readonly db: Database) {}

  async search(caller: Caller, query: { q?: string; limit: number; offset: number }) {
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'operator');
      return repo.searchCustomers(tx, query.q ?? '', query.limit, query.offset);
    });
  }

  async detail(caller: Caller, id: string): Promise<CustomerDetail> {
    return this.db.asCaller(caller, async (tx) => {
      const role = await requireStaff(tx, caller, 'operator');
      const profile = await profiles.findProfile(tx, id);
      if (!profile) throw notFound('Customer');
      const admin = atLeast(role, 'admin');
      const page = { customer: id, limit: DETAIL_ROWS, offset: 0 };
      return {
        profile,
        bookings: (await bookings.listBookings(tx, page)).bookings,
        orders: admin ? (await orders.listOrders(tx, page)).orders : null,
        credit_ledger: admin ? await credits.listLedger(tx, id, DETAIL_ROWS) : null,
        referrals: admin ? await repo.referralsOf(tx, id) : null,
        reviews: await repo.reviewsOf(tx, id),
      };
    });
  }
}
