/** The Bolt transaction webhook body (the parts we read), as Bolt sends it and the fake sends it. */
export interface BoltWebhook {
  id?: string;
  type: string;
  object?: string;
  data: {
    id: string;
    reference?: string;
    type?: string;
    status?: string;
    date?: number;
    amount?: { amount: number; currency: string; currency_symbol?: string };
    order?: { cart?: { order_reference?: string; display_id?: string } };
    source_transaction?: { id?: string; reference?: string };
  };
}
