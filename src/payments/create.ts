import type { Config } from '../config.js';
import { BoltProvider } from './bolt.js';
import { FakeProvider } from './fake.js';
import type { PaymentProvider } from '../orders/payment-provider.js';

/** The provider PAYMENTS_PROVIDER names: Bolt, or the offline fake (the default). */
export function createPaymentProvider(config: Config): PaymentProvider {
  const p = config.payments;
  if (p.provider === 'bolt') {
    return new BoltProvider({ apiUrl: p.boltApiUrl, apiKey: p.boltApiKey!, publishableKey: p.boltPublishableKey!, publicUrl: config.publicUrl });
  }
  return new FakeProvider(config.publicUrl, p.signingSecret);
}
