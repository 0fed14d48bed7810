import { randomUUID } from 'node:crypto';
import { AppError, conflict, notFound } from '../errors.js';
import type { Order } from '../orders/repository.js';
import type { OrderService } from '../orders/service.js';
import type { FakeProvider } from './fake.js';

/**
 * The fake provider's checkout: the checkout id in the URL is the capability (random, unguessable),
 * as with a hosted payment page. Approve and Decline make the fake send the webhook Bolt would.
 */
export class FakeCheckout {
  constructor(
    private readonly provider: FakeProvider,
    private readonly orders: OrderService,
  ) {}

  async order(checkoutId: string): Promise<Order> {
    return (await this.open(checkoutId)).order;
  }

  /**
   * The order behind an open checkout. Expiry is checked here, when paying, not only by the sweep:
   * an expired pending order is expired on the spot (booking cancelled, credits back) and 410.
   */
  async openOrder(checkoutId: string): Promise<Order> {
    const { order, expired } = await this.open(checkoutId);
    if (expired) throw new AppError(410, 'checkout_expired', 'This checkout has expired; please book again');
    return order;
  }

  private async open(checkoutId: string): Promise<{ order: Order; expired: boolean }> {
    const found = await this.orders.orderAtCheckout(this.provider.name, checkoutId);
    if (!found) throw notFound('Checkout');
    return found;
  }

  async decide(checkoutId: string, decision: 'approve' | 'decline'): Promise<Order> {
    const order = await this.openOrder(checkoutId);
    if (order.status !== 'pending') throw conflict(`This order is already ${order.status}`, { status: order.status }, 'checkout_closed');
    const txn = `fake_txn_${randomUUID().replace(/-/g, '')}`;
    const delivered = await this.provider.deliver(decision === 'approve' ? 'payment' : 'failed_payment', {
      id: txn,
      orderId: order.id,
      amount: order.amount,
      status: decision === 'approve' ? 'completed' : 'failed',
    });
    if (delivered.statusCode !== 200) throw new Error(`webhook delivery answered ${delivered.statusCode}`);
    return this.order(checkoutId);
  }
}
