/**
 * `serve`'s Prometheus metrics (prom-client, its own registry: nothing global). Calls and limiter
 * waits are counted as they happen through the engine's RunMeter, so a run that fails half way
 * still counts every call it sent; everything else is counted from the engine's events.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Api, EngineEvent } from '../../../protocol/events';
import type { RunMeter } from '../engine/index';
import type { ServiceMode } from './health';

const PREFIX = 'dear_starshipit_';

export type RunResult = 'ok' | 'failed' | 'cancelled';

export class ServiceMetrics {
  readonly registry = new Registry();
  // Declared in the order they are exported.
  private readonly calls = counter(
    this.registry,
    'api_calls_total',
    'HTTP attempts sent to each API (retries and throttled attempts included).',
    ['api'],
  );
  private readonly throttles = counter(
    this.registry,
    'api_throttles_total',
    'Answers that said "throttled" (429, or the forms Cin7 Core uses), per API.',
    ['api'],
  );
  private readonly limiterWait = counter(
    this.registry,
    'limiter_wait_seconds_total',
    'Seconds calls waited for a rate-limiter slot, summed over calls, per API.',
    ['api'],
  );
  private readonly orders = counter(
    this.registry,
    'orders_total',
    'Starshipit orders created, found already present, updated or withdrawn.',
    ['outcome'],
  );
  private readonly writebacks = counter(
    this.registry,
    'writebacks_total',
    'Tracking written back to Cin7 Core (written), or found there already (already_done).',
    ['outcome'],
  );
  private readonly attentionRaised = counter(
    this.registry,
    'needs_attention_events_total',
    'Items put on the needs-attention list (a retried item counts again).',
  );
  private readonly attentionParked = gauge(
    this.registry,
    'needs_attention_items',
    'Items on the needs-attention list after the last finished run.',
  );
  private readonly runs = counter(
    this.registry,
    'runs_total',
    'Runs per mode and result (ok, failed, cancelled).',
    ['mode', 'result'],
  );
  private readonly runSeconds = new Histogram({
    name: `${PREFIX}run_duration_seconds`,
    help: 'Wall time of finished runs per mode.',
    labelNames: ['mode'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  private readonly lastSuccess = gauge(
    this.registry,
    'last_success_timestamp_seconds',
    'Unix time the last successful run of each mode ended.',
    ['mode'],
  );
  private readonly failuresInARow = gauge(
    this.registry,
    'failures_in_a_row',
    'Failed runs of each mode since its last success.',
    ['mode'],
  );
  private readonly webhooks = counter(
    this.registry,
    'tracking_webhooks_total',
    'Tracking webhooks received, by result (accepted, duplicate, unsigned, bad_signature, too_large, invalid).',
    ['result'],
  );
  private readonly alerts = counter(
    this.registry,
    'alert_deliveries_total',
    'Alert messages posted (sent) and delivery attempts that failed (failed).',
    ['result'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    // Both APIs appear from the first scrape, at zero, so rates work before the first call.
    for (const api of ['dear', 'starshipit'] as const) {
      this.calls.inc({ api }, 0);
      this.throttles.inc({ api }, 0);
      this.limiterWait.inc({ api }, 0);
    }
  }

  /** The engine's hook: every attempt and every limiter wait, as they happen. */
  meter(): RunMeter {
    return {
      call: (api: Api) => this.calls.inc({ api }),
      waited: (api: Api, ms: number) => {
        if (ms > 0) this.limiterWait.inc({ api }, ms / 1000);
      },
    };
  }

  observe(event: EngineEvent): void {
    switch (event.type) {
      case 'throttle':
        this.throttles.inc({ api: event.api });
        break;
      case 'order':
        if (!event.dryRun)
          this.orders.inc({
            outcome: event.outcome === 'alreadyPresent' ? 'already_present' : 'created',
          });
        break;
      case 'update':
        if (!event.dryRun) this.orders.inc({ outcome: 'updated' });
        break;
      case 'withdraw':
        if (!event.dryRun) this.orders.inc({ outcome: 'withdrawn' });
        break;
      case 'writeback':
        if (!event.dryRun)
          this.writebacks.inc({
            outcome: event.outcome === 'alreadyDone' ? 'already_done' : 'written',
          });
        break;
      case 'attention':
        this.attentionRaised.inc();
        break;
      case 'summary':
        if (event.parked)
          this.attentionParked.set(event.parked.willRetry + event.parked.needsChange);
        break;
    }
  }

  runEnded(mode: ServiceMode, result: RunResult, seconds: number, failuresInARow: number): void {
    this.runs.inc({ mode, result });
    this.runSeconds.observe({ mode }, seconds);
    this.failuresInARow.set({ mode }, failuresInARow);
    if (result === 'ok') this.lastSuccess.set({ mode }, Date.now() / 1000);
  }

  webhook(result: string): void {
    this.webhooks.inc({ result });
  }

  alert(result: 'sent' | 'failed'): void {
    this.alerts.inc({ result });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** A counter named `dear_starshipit_<name>`, registered only in `registry`. */
function counter<Label extends string = never>(
  registry: Registry,
  name: string,
  help: string,
  labelNames?: readonly Label[],
): Counter<Label> {
  return new Counter({
    name: `${PREFIX}${name}`,
    help,
    ...(labelNames ? { labelNames } : {}),
    registers: [registry],
  });
}

/** A gauge named `dear_starshipit_<name>`, registered only in `registry`. */
function gauge<Label extends string = never>(
  registry: Registry,
  name: string,
  help: string,
  labelNames?: readonly Label[],
): Gauge<Label> {
  return new Gauge({
    name: `${PREFIX}${name}`,
    help,
    ...(labelNames ? { labelNames } : {}),
    registers: [registry],
  });
}
