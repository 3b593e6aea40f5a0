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
  private readonly calls: Counter<'api'>;
  private readonly throttles: Counter<'api'>;
  private readonly limiterWait: Counter<'api'>;
  private readonly orders: Counter<'outcome'>;
  private readonly writebacks: Counter<'outcome'>;
  private readonly attentionRaised: Counter;
  private readonly attentionParked: Gauge;
  private readonly runs: Counter<'mode' | 'result'>;
  private readonly runSeconds: Histogram<'mode'>;
  private readonly lastSuccess: Gauge<'mode'>;
  private readonly failuresInARow: Gauge<'mode'>;
  private readonly webhooks: Counter<'result'>;
  private readonly alerts: Counter<'result'>;

  constructor() {
    const registers = [this.registry];
    this.calls = new Counter({
      name: `${PREFIX}api_calls_total`,
      help: 'HTTP attempts sent to each API (retries and throttled attempts included).',
      labelNames: ['api'],
      registers,
    });
    this.throttles = new Counter({
      name: `${PREFIX}api_throttles_total`,
      help: 'Answers that said "throttled" (429, or the forms Cin7 Core uses), per API.',
      labelNames: ['api'],
      registers,
    });
    this.limiterWait = new Counter({
      name: `${PREFIX}limiter_wait_seconds_total`,
      help: 'Seconds calls waited for a rate-limiter slot, summed over calls, per API.',
      labelNames: ['api'],
      registers,
    });
    this.orders = new Counter({
      name: `${PREFIX}orders_total`,
      help: 'Starshipit orders created, found already present, updated or withdrawn.',
      labelNames: ['outcome'],
      registers,
    });
    this.writebacks = new Counter({
      name: `${PREFIX}writebacks_total`,
      help: 'Tracking written back to Cin7 Core (written), or found there already (already_done).',
      labelNames: ['outcome'],
      registers,
    });
    this.attentionRaised = new Counter({
      name: `${PREFIX}needs_attention_events_total`,
      help: 'Items put on the needs-attention list (a retried item counts again).',
      registers,
    });
    this.attentionParked = new Gauge({
      name: `${PREFIX}needs_attention_items`,
      help: 'Items on the needs-attention list after the last finished run.',
      registers,
    });
    this.runs = new Counter({
      name: `${PREFIX}runs_total`,
      help: 'Runs per mode and result (ok, failed, cancelled).',
      labelNames: ['mode', 'result'],
      registers,
    });
    this.runSeconds = new Histogram({
      name: `${PREFIX}run_duration_seconds`,
      help: 'Wall time of finished runs per mode.',
      labelNames: ['mode'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: `${PREFIX}last_success_timestamp_seconds`,
      help: 'Unix time the last successful run of each mode ended.',
      labelNames: ['mode'],
      registers,
    });
    this.failuresInARow = new Gauge({
      name: `${PREFIX}failures_in_a_row`,
      help: 'Failed runs of each mode since its last success.',
      labelNames: ['mode'],
      registers,
    });
    this.webhooks = new Counter({
      name: `${PREFIX}tracking_webhooks_total`,
      help: 'Tracking webhooks received, by result (accepted, duplicate, unsigned, bad_signature, too_large, invalid).',
      labelNames: ['result'],
      registers,
    });
    this.alerts = new Counter({
      name: `${PREFIX}alert_deliveries_total`,
      help: 'Alert messages posted (sent) and delivery attempts that failed (failed).',
      labelNames: ['result'],
      registers,
    });
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
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

  observe(e: EngineEvent): void {
    switch (e.type) {
      case 'throttle':
        this.throttles.inc({ api: e.api });
        break;
      case 'order':
        if (!e.dryRun)
          this.orders.inc({
            outcome: e.outcome === 'alreadyPresent' ? 'already_present' : 'created',
          });
        break;
      case 'update':
        if (!e.dryRun) this.orders.inc({ outcome: 'updated' });
        break;
      case 'withdraw':
        if (!e.dryRun) this.orders.inc({ outcome: 'withdrawn' });
        break;
      case 'writeback':
        if (!e.dryRun)
          this.writebacks.inc({
            outcome: e.outcome === 'alreadyDone' ? 'already_done' : 'written',
          });
        break;
      case 'attention':
        this.attentionRaised.inc();
        break;
      case 'summary':
        if (e.parked) this.attentionParked.set(e.parked.willRetry + e.parked.needsChange);
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
