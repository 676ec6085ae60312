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

export interface ExampleActivityDeps {
  /** Price of one unit in cents; a real deployment would ask a catalogue service. */
  unitPrice?: (sku: string) => number;
}

/** Activities are built from their dependencies, so tests and deployments choose them. */
export function createExampleActivities(deps: ExampleActivityDeps = {}) {
  const unitPrice = deps.unitPrice ?? ((sku: string) => unitPriceCents[sku] ?? defaultUnitPriceCents);
  return {
    async priceOrder(items: OrderItem[]): Promise<number> {
      const cents = items.reduce((sum, item) => sum + unitPrice(item.sku) * item.quantity, 0);
      return cents / 100;
    },
  };
}

export type ExampleActivities = ReturnType<typeof createExampleActivities>;
