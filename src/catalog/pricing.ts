import { validationFailed } from '../errors.js';
import type { AddOn, Service } from './repository.js';

/** Add-ons as a booking stores them (the seed's shape): `{family: true, extra_visits: 2}`. */
export type AddOnSelection = Record<string, boolean | number>;

export interface Quote {
  service_type: string;
  add_ons: AddOnSelection;
  duration: number;
  /** Cents: service plus add-ons (the setup fee and credits belong to the order). */
  total_amount: number;
  lines: { item: string; quantity: number; amount: number }[];
}

/**
 * Prices a session from the catalog. Unknown or inactive items, and quantities the catalog does
 * not allow, are the caller's mistake (400). The client never supplies an amount.
 */
export function quote(services: Service[], addOns: AddOn[], serviceType: string, selection: AddOnSelection = {}): Quote {
  const service = services.find((s) => s.key === serviceType && s.active);
  if (!service) throw validationFailed(`Unknown service "${serviceType}"`, { field: 'service_type', code: 'unknown_service' });
  const lines = [{ item: service.key, quantity: 1, amount: service.price_cents }];
  let duration = service.duration_minutes;
  const stored: AddOnSelection = {};
  for (const [key, value] of Object.entries(selection)) {
    const addOn = addOns.find((a) => a.key === key && a.active);
    if (!addOn) throw validationFailed(`Unknown add-on "${key}"`, { field: `add_ons.${key}`, code: 'unknown_add_on' });
    let quantity: number;
    if (addOn.per_unit) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > addOn.max_quantity) {
        throw validationFailed(`${addOn.name} takes a whole number from 0 to ${addOn.max_quantity}`, { field: `add_ons.${key}` });
      }
      quantity = value;
    } else {
      if (typeof value !== 'boolean') throw validationFailed(`${addOn.name} is true or false`, { field: `add_ons.${key}` });
      quantity = value ? 1 : 0;
    }
    if (quantity === 0) continue;
    stored[key] = addOn.per_unit ? quantity : true;
    lines.push({ item: key, quantity, amount: addOn.price_cents * quantity });
    duration += addOn.extra_minutes * quantity;
  }
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  return { service_type: service.key, add_ons: stored, duration, total_amount: total, lines };
}
