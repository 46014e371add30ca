import type { CallbackState, DeliveryState } from '../../gateway/delivery/outbox.ts';

/**
 * What store-and-forward answers the application, as gateway/openapi/build.ts documents it
 * (DeliveryAccepted, DeliveryStatus): the tests read their JSON as these.
 */
export interface DeliveryAccepted {
  deliveryId: string;
  status: 'pending';
  location: string;
}

export interface DeliveryStatus {
  deliveryId: string;
  contract: string;
  operation: string;
  status: DeliveryState;
  attempts: number;
  acceptedAt: string;
  updatedAt: string;
  nextAttemptAt?: string;
  lastError?: string;
  response?: { status: number; body: unknown };
  callback?: { url: string; state: CallbackState; attempts: number; nextAttemptAt?: string; lastError?: string };
}
