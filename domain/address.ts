import type { Address } from './order';

const REQUIRED_FIELDS = ['name', 'line1', 'city', 'region', 'postalCode', 'country'] as const;

/** The fields an address lacks to be shippable (empty or blank counts as missing). */
export function missingAddressFields(address: Partial<Address> | undefined): string[] {
  return REQUIRED_FIELDS.filter((field) => !address?.[field]?.trim());
}
