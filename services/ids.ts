import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Random Crockford base32: unambiguous to read aloud, 5 bits of entropy per character. */
export function randomCode(length: number): string {
  return [...randomBytes(length)].map((byte) => CROCKFORD[byte & 31]).join('');
}

export const newOrderId = () => `ORD-${randomCode(12)}`;
/** Public and unguessable: 100 random bits. */
export const newTrackingNumber = () => `TRK-${randomCode(20)}`;
