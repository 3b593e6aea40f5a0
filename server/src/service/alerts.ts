/**
 * Alerts from `serve` to a chat channel: a JSON POST `{"text": "…"}`, the body Slack's and Teams'
 * incoming webhooks both accept (test/contract/alerts/incoming-webhook.json, with sources).
 *
 * What is sent: new needs-attention items (order number, code, reason), a kind of run failing
 * `failuresInARow` times in a row, and its recovery. At most one message per interval: whatever
 * happens meanwhile is batched into the next one. A failed delivery keeps its batch and is retried
 * with doubling backoff (capped at the interval); delivery runs on its own timer and never blocks
 * a sync. Messages hold no secret (every known secret value is redacted from the text) and no
 * customer address (only order numbers, codes, reasons and counts).
 */
import { request } from 'undici';
import { redactor } from '../../../protocol/redact';
import { errorMessage } from '../../../protocol/errorMessage';

/** Items listed in one message; the rest are counted. */
const MAX_LISTED = 25;
/** Longest reason quoted for one item. */
const MAX_REASON = 200;
const FIRST_RETRY_MS = 1_000;

export interface AlertOptions {
  url: string;
  intervalMs: number;
  /** Removes every secret value the service knows (the front door's redaction) from a text. */
  redact: (text: string) => string;
  /** A delivery's outcome, for the service log and metrics. */
  onDelivery: (outcome: { ok: boolean; items: number; detail: string }) => void;
  now?: () => number;
}

interface Batch {
  attention: { orderNumber: string; code: string; reason: string }[];
  attentionCount: number;
  lines: string[];
}

const emptyBatch = (): Batch => ({ attention: [], attentionCount: 0, lines: [] });

export class Alerts {
  private batch = emptyBatch();
  private lastSentAt = -Infinity;
  private timer?: NodeJS.Timeout;
  private sending?: Promise<void>;
  private retryMs = FIRST_RETRY_MS;
  private nextTryAt = 0;
  private closed = false;
  private readonly scrub: (text: string) => string;
  private readonly now: () => number;

  constructor(private readonly options: AlertOptions) {
    const withoutUrl = redactor([options.url]);
    this.scrub = (text) => withoutUrl(options.redact(text));
    this.now = options.now ?? Date.now;
  }

  attention(item: { orderNumber?: string; saleId?: string; code: string; reason: string }): void {
    this.batch.attentionCount++;
    if (this.batch.attention.length < MAX_LISTED)
      this.batch.attention.push({
        orderNumber: item.orderNumber ?? item.saleId ?? '?',
        code: item.code,
        reason: clip(item.reason),
      });
    this.schedule();
  }

  failing(mode: string, failures: number, message: string): void {
    this.batch.lines.push(`${mode} failed ${failures} times in a row: ${clip(message)}`);
    this.schedule();
  }

  recovered(mode: string, failures: number): void {
    this.batch.lines.push(`${mode} recovered after ${failures} failed runs in a row`);
    this.schedule();
  }

  /** Stops the timer; sends what is pending once more when `flush` (bounded by the POST timeout). */
  async close(flush: boolean): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.sending;
    if (flush && this.pending()) await this.deliver();
  }

  private pending(): boolean {
    return this.batch.attentionCount > 0 || this.batch.lines.length > 0;
  }

  /** Arms the timer for the earliest instant the next message may go (interval and backoff). */
  private schedule(): void {
    if (this.closed || this.timer || this.sending || !this.pending()) return;
    const at = Math.max(this.lastSentAt + this.options.intervalMs, this.nextTryAt);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.sending = this.deliver().finally(() => {
          this.sending = undefined;
          this.schedule();
        });
      },
      Math.max(0, at - this.now()),
    );
    this.timer.unref();
  }

  private async deliver(): Promise<void> {
    const batch = this.batch;
    this.batch = emptyBatch();
    const items = batch.attentionCount + batch.lines.length;
    const body = JSON.stringify({ text: this.scrub(messageText(batch)) });
    let failure: string | undefined;
    try {
      const res = await request(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) failure = `HTTP ${res.statusCode}`;
    } catch (err) {
      failure = this.scrub(errorMessage(err));
    }
    if (failure === undefined) {
      this.lastSentAt = this.now();
      this.retryMs = FIRST_RETRY_MS;
      this.nextTryAt = 0;
      this.options.onDelivery({ ok: true, items, detail: 'sent' });
      return;
    }
    // Keep the batch (what arrived meanwhile joins it) and try again later.
    this.batch = mergeBatches(batch, this.batch);
    this.nextTryAt = this.now() + this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, Math.max(FIRST_RETRY_MS, this.options.intervalMs));
    this.options.onDelivery({ ok: false, items, detail: failure });
  }
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON)}…` : flat;
}

function mergeBatches(older: Batch, newer: Batch): Batch {
  return {
    attention: [...older.attention, ...newer.attention].slice(0, MAX_LISTED),
    attentionCount: older.attentionCount + newer.attentionCount,
    lines: [...older.lines, ...newer.lines],
  };
}

/** The message: run health lines first, then each new needs-attention item. */
function messageText(batch: Batch): string {
  const out = ['dear-starshipit:'];
  for (const line of batch.lines) out.push(`• ${line}`);
  if (batch.attentionCount > 0) {
    out.push(
      `${batch.attentionCount} new item${batch.attentionCount === 1 ? '' : 's'} need${batch.attentionCount === 1 ? 's' : ''} attention:`,
    );
    for (const item of batch.attention)
      out.push(`• ${item.orderNumber} [${item.code}] ${item.reason}`);
    const unlisted = batch.attentionCount - batch.attention.length;
    if (unlisted > 0) out.push(`… and ${unlisted} more (see "dear-starshipit status")`);
  }
  return out.join('\n');
}
