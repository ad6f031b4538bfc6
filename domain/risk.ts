import { formatMoney } from './money';

/**
 * Risk rules (SPEC section 3, "Holds"): a new order is held for a person to look at when it is the customer's first
 * and its total is above `OMS_RISK_FIRST_ORDER_LIMIT`, or when it ships to a country other than the customer's.
 */
export interface RiskRules {
  /** Minor units of the order's currency. */
  firstOrderLimit: number;
  foreignDestination: boolean;
}

export const DEFAULT_RISK_RULES: RiskRules = { firstOrderLimit: 100_000, foreignDestination: true };

/** What the rules look at, as the pricing step finds it. */
export interface RiskFacts {
  total: number;
  currency: string;
  /** No earlier order of the customer. */
  firstOrder: boolean;
  customerCountry?: string;
  shippingCountry: string;
}

/** The hold reason (`risk: ...`) when a rule holds the order, else undefined. */
export function riskHoldReason(facts: RiskFacts, rules: RiskRules): string | undefined {
  const reasons: string[] = [];
  if (facts.firstOrder && facts.total > rules.firstOrderLimit) {
    const limit = formatMoney(rules.firstOrderLimit, facts.currency);
    reasons.push(`first order of the customer, total ${formatMoney(facts.total, facts.currency)} above ${limit}`);
  }
  if (rules.foreignDestination && facts.customerCountry && facts.customerCountry !== facts.shippingCountry) {
    reasons.push(`ships to ${facts.shippingCountry}, the customer is in ${facts.customerCountry}`);
  }
  return reasons.length > 0 ? `risk: ${reasons.join('; ')}` : undefined;
}
