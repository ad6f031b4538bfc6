import { createHash } from 'node:crypto';
import type { CarrierAdapter } from './carrier';

/**
 * A carrier that exists only here. Its tracking number is derived from the idempotency key, so booking the
 * same shipment again returns the same label, as a real carrier's idempotent API would. In auto mode the
 * order workflow plays its delivery events after `OMS_CARRIER_DELIVERY_DELAY`.
 */
export function createSimulatedCarrier(): CarrierAdapter {
  return {
    name: 'simulated',
    async bookShipment(request) {
      const code = createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 14).toUpperCase();
      return {
        carrier: 'SIMPOST',
        service: request.service,
        trackingNumber: `1S${code}`,
        labelRef: `simpost://labels/${code}.pdf`,
      };
    },
  };
}
