/**
 * Starshipit's tracking webhook, as the sandbox sends it when a label is printed (Printed) or an
 * order dispatched (Dispatched): a JSON POST with the fields of Starshipit's "Webhook
 * notifications" article (test/contract/samples/starshipit.webhook.tracking.json), to the URL set
 * with `setTrackingWebhook` / `POST /__sandbox/webhook`. With a secret, the request carries
 * `X-Starshipit-Signature`: an HMAC-SHA256 of the raw body, hex or base64 per the
 * `starshipitWebhookSignature` switch (the vendor does not publish the algorithm; hex is what the
 * public receiver in starshipit.webhook.tracking.reference.json checks).
 * Deliveries are fire-and-forget, like the vendor's, and recorded for tests and the bench.
 */
import { createHmac } from 'node:crypto';
import type { TrackingWebhookTarget, WebhookDelivery } from '../api';

type Obj = Record<string, unknown>;

/** The webhook body for an order at `status` (its first parcel's tracking number). */
function trackingPayload(order: Obj, status: 'Printed' | 'Dispatched', now: number): Obj {
  const packages = Array.isArray(order.packages) ? (order.packages as Obj[]) : [];
  const first = packages[0] ?? {};
  return {
    order_number: order.order_number,
    carrier_name: order.carrier_name,
    carrier_service: order.carrier_service_code,
    shipment_date: first.label_created_date ?? new Date(now).toISOString(),
    tracking_number: first.tracking_number,
    tracking_status: status,
    last_updated_date: new Date(now).toISOString(),
  };
}

function sign(body: string, secret: string, encoding: 'base64' | 'hex'): string {
  return createHmac('sha256', secret).update(body).digest(encoding);
}

export class WebhookSender {
  target?: TrackingWebhookTarget;
  readonly deliveries: WebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  send(order: Obj, status: 'Printed' | 'Dispatched', encoding: 'base64' | 'hex'): void {
    const target = this.target;
    if (!target) return;
    const body = JSON.stringify(trackingPayload(order, status, Date.now()));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.secret) headers['X-Starshipit-Signature'] = sign(body, target.secret, encoding);
    const delivery: WebhookDelivery = {
      at: Date.now(),
      orderNumber: String(order.order_number),
      status,
      signed: Boolean(target.secret),
    };
    this.deliveries.push(delivery);
    const done = fetch(target.url, { method: 'POST', headers, body })
      .then(async (res) => {
        delivery.httpStatus = res.status;
        await res.arrayBuffer();
      })
      .catch((err: unknown) => {
        delivery.error = err instanceof Error ? err.message : String(err);
      })
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /** Resolves when every delivery sent so far was answered or failed. */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
