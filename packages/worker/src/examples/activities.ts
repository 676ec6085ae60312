import type { OrderItem } from './orders.contract.js';

/**
 * Pricing lives in an activity because in a real system it calls a catalogue service;
 * here a fixed table keeps examples deterministic. Unknown SKUs use a flat price so that
 * demos with made-up SKUs still approve.
 */
const unitPriceCents: Record<string, number> = {
  'sku-apple': 120,
  'sku-bread': 350,
  'sku-coffee': 899,
};

const defaultUnitPriceCents = 500;

export async function priceOrder(items: OrderItem[]): Promise<number> {
  const cents = items.reduce(
    (sum, item) => sum + (unitPriceCents[item.sku] ?? defaultUnitPriceCents) * item.quantity,
    0,
  );
  return cents / 100;
}
