import type { Address } from '../../domain/order';

/** What the OMS needs from a carrier: a label and tracking number for a parcel. */
export interface CarrierAdapter {
  readonly name: string;
  /** Books a shipment. Idempotent by `idempotencyKey`: booking twice returns the same label. */
  bookShipment(request: BookShipmentRequest): Promise<CarrierBooking>;
}

export interface BookShipmentRequest {
  idempotencyKey: string;
  shipmentId: string;
  fromWarehouse: string;
  to: Address;
  weightGrams: number;
  /** The service the order was priced with (chosen by rate and promised date). */
  service: string;
}

export interface CarrierBooking {
  carrier: string;
  service: string;
  trackingNumber: string;
  labelRef: string;
}
