/**
 * Starshipit's tracking webhook (Settings → Tracking & notifications): a JSON POST per tracking
 * update of an order, `{order_number, carrier_name, carrier_service, shipment_date,
 * tracking_number, tracking_status, last_updated_date}` (test/contract/samples/
 * starshipit.webhook.tracking*.json, with sources). It carries no event ID: an event is identified
 * by order number, tracking number, status and update time.
 *
 * Signature: with a secret key set in Starshipit, requests carry `X-Starshipit-Signature`. Public
 * material names the header but not the algorithm; the reading taken here is an HMAC-SHA256 of the
 * raw body keyed with the secret, accepted hex- or base64-encoded, with or without a `sha256=`
 * prefix (the sandbox's `starshipitWebhookSignature` switch sends either encoding).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-starshipit-signature';

export interface TrackingEvent {
  orderNumber: string;
  trackingNumber: string;
  status: string;
  lastUpdated: string;
}

/** Whether `header` is a valid signature of `body` under `secret` (any accepted encoding). */
export function signatureValid(body: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const given = header.trim().replace(/^sha256=/i, '');
  const mac = createHmac('sha256', secret).update(body).digest();
  const candidates = [Buffer.from(mac.toString('hex')), Buffer.from(mac.toString('base64'))];
  const presented = Buffer.from(/^[0-9a-f]+$/i.test(given) ? given.toLowerCase() : given);
  return candidates.some((c) => c.length === presented.length && timingSafeEqual(c, presented));
}

const text = (v: unknown): string =>
  typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';

/** The event in a webhook body, or the reason it cannot be read. */
export function readTrackingEvent(body: Buffer): TrackingEvent | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { problem: 'the body is not JSON' };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    return { problem: 'the body is not a JSON object' };
  const row = json as Record<string, unknown>;
  const orderNumber = text(row.order_number);
  const status = text(row.tracking_status);
  if (!orderNumber) return { problem: 'order_number is missing' };
  if (!status) return { problem: 'tracking_status is missing' };
  return {
    orderNumber,
    status,
    trackingNumber: text(row.tracking_number),
    lastUpdated: text(row.last_updated_date),
  };
}

/** Statuses that say a label exists (every status after Printed); Cancelled does not. */
export function meansLabel(status: string): boolean {
  return status.toLowerCase() !== 'cancelled';
}

/** Remembers the last `capacity` events seen, to answer a redelivered one without acting twice. */
export class SeenEvents {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time an event is seen. */
  add(event: TrackingEvent): boolean {
    const key = [event.orderNumber, event.trackingNumber, event.status, event.lastUpdated].join(
      '\u0000',
    );
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
