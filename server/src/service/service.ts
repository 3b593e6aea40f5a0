/**
 * `dear-starshipit serve`: imports and writebacks on their schedules (`service.*EverySeconds`),
 * one run at a time under the state directory's lock (held by the caller for the whole service),
 * the health / metrics / webhook listener, and alerts.
 *
 * Before each run the settings are read again; a file that cannot be used keeps the last good
 * settings. The state directory and the listen address are fixed at start (the lock and the
 * socket are held on them). Stopping (the signal) ends the run in progress after its current call;
 * the journal makes a restart resume where it stopped.
 */
import type { AlertSettings, DearSettings, ServiceSettings } from '../../../protocol/settings';
import type { EngineEvent, ServiceEvent } from '../../../protocol/events';
import { errorMessage } from '../../../protocol/errorMessage';
import { EngineError, readStatus } from '../engine/index';
import { runWithSettings, type RunSecrets } from '../frontDoor';
import { DEFAULTS } from '../config/defaults';
import { isAllowedEndpoint } from '../engine/endpoint';
import { Alerts } from './alerts';
import { Health, SERVICE_MODES, type ServiceMode } from './health';
import { jsonReply, Listener, WEBHOOK_PATH, type Reply } from './listener';
import { ServiceMetrics } from './metrics';
import { meansLabel, readTrackingEvent, SeenEvents, signatureValid } from './trackingWebhook';
import { resolveReference } from './secretRef';

export type ServiceLine = EngineEvent | ServiceEvent;

export interface ServiceOptions {
  configPath: string;
  /** The state directory, resolved once at start (its lock is held by the caller). */
  stateDir: string;
  settings: DearSettings;
  /** Reads the settings file again; undefined when it cannot be used (already reported). */
  reload: () => DearSettings | undefined;
  /** The front door's secrets: resolves every reference and redacts what it revealed. */
  secrets: RunSecrets;
  /** Every engine and service event, with the kind of run in progress. */
  emit: (e: ServiceLine, run?: ServiceMode) => void;
  signal: AbortSignal;
}

/** A configuration problem at the first run: the service stops rather than fail forever. */
export class ServiceStartError extends Error {}

const serviceOf = (s: DearSettings): ServiceSettings => s.service ?? DEFAULTS.service;
const alertsOf = (s: DearSettings): AlertSettings => s.alerts ?? DEFAULTS.alerts;
const intervalMs = (s: DearSettings, mode: ServiceMode): number =>
  1000 * (mode === 'import' ? serviceOf(s).importEverySeconds : serviceOf(s).writebackEverySeconds);

export class Service {
  readonly metrics = new ServiceMetrics();
  readonly health: Health;
  private settings: DearSettings;
  private listener?: Listener;
  private alerts?: Alerts;
  private readonly nextAt: Record<ServiceMode, number> = { writeback: 0, import: 0 };
  private readonly ranOnce = new Set<ServiceMode>();
  private readonly seenEvents = new SeenEvents();
  /** Needs-attention items already alerted (or parked before the service started). */
  private readonly alerted = new Set<string>();
  private wake?: () => void;
  private webhookSecret?: string;

  constructor(private readonly options: ServiceOptions) {
    this.settings = options.settings;
    this.health = new Health(serviceOf(options.settings).failuresInARow);
    this.configureSchedules();
  }

  /** Listens, then runs the schedules until the signal stops them. */
  async run(): Promise<void> {
    const service = serviceOf(this.settings);
    this.webhookSecret = this.optionalSecret(service.webhookSecret, 'service.webhookSecret');
    this.alerts = this.startAlerts();
    await this.rememberParked();
    this.listener = await Listener.start(service.listen, {
      health: () => this.healthReply(),
      metrics: async () => ({
        status: 200,
        contentType: this.metrics.contentType,
        body: await this.metrics.text(),
      }),
      webhook: service.trackingWebhooks
        ? {
            maxBytes: () => serviceOf(this.settings).webhookMaxBytes,
            handle: (body, signature) => this.receiveWebhook(body, signature),
          }
        : undefined,
      webhookRefused: (reason) => this.metrics.webhook(reason),
    });
    this.say('listening', 'info', `listening on http://${this.listener.address}`, {
      address: this.listener.address,
    });
    try {
      await this.loop();
    } finally {
      this.say('stopping', 'info', 'stopping: closing the listener and sending pending alerts');
      await this.listener.close();
      await this.alerts?.close(true);
      this.say('stopped', 'info', 'stopped');
    }
  }

  get address(): string | undefined {
    return this.listener?.address;
  }

  private configureSchedules(): void {
    for (const mode of SERVICE_MODES)
      this.health.configure(
        mode,
        intervalMs(this.settings, mode),
        serviceOf(this.settings).failuresInARow,
      );
  }

  private async loop(): Promise<void> {
    const signal = this.options.signal;
    while (!signal.aborted) {
      const now = Date.now();
      const due = this.dueMode(now);
      if (!due) {
        await this.sleepUntil(Math.min(...SERVICE_MODES.map((m) => this.nextAt[m])));
        continue;
      }
      if (this.ranOnce.size > 0) this.reloadSettings();
      this.nextAt[due] = now + intervalMs(this.settings, due);
      await this.runOnce(due);
    }
  }

  /** The due kind of run that has waited longest (writeback first on a tie). */
  private dueMode(now: number): ServiceMode | undefined {
    const due = SERVICE_MODES.filter((m) => this.nextAt[m] <= now);
    due.sort((a, b) => this.nextAt[a] - this.nextAt[b]);
    return due[0];
  }

  private sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.options.signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, at - Date.now()));
      this.wake = done;
      this.options.signal.addEventListener('abort', done, { once: true });
    });
  }

  private reloadSettings(): void {
    const next = this.options.reload();
    if (!next) {
      this.say(
        'settings-kept',
        'warn',
        `${this.options.configPath} cannot be used (see above); the service keeps using the previous settings`,
      );
      return;
    }
    if (serviceOf(next).listen !== serviceOf(this.settings).listen)
      this.say(
        'settings-kept',
        'warn',
        'service.listen changed: the listener keeps its address until the service is restarted',
      );
    this.settings = next;
    this.configureSchedules();
  }

  private async runOnce(mode: ServiceMode): Promise<void> {
    const startedAt = Date.now();
    this.health.started(mode);
    const first = !this.ranOnce.has(mode);
    this.ranOnce.add(mode);
    try {
      const summary = await runWithSettings({
        settings: this.settings,
        configPath: this.options.configPath,
        stateDir: this.options.stateDir,
        mode,
        dryRun: false,
        secrets: this.options.secrets,
        onEvent: (e) => this.engineEvent(e, mode),
        signal: this.options.signal,
        lockHeld: true,
        meter: this.metrics.meter(),
      });
      if (summary.cancelled) return this.ended(mode, 'cancelled', startedAt);
      const before = this.health.succeeded(mode);
      if (before >= serviceOf(this.settings).failuresInARow) this.alerts?.recovered(mode, before);
      this.ended(mode, 'ok', startedAt);
    } catch (err) {
      if (this.options.signal.aborted) return this.ended(mode, 'cancelled', startedAt);
      const message = this.options.secrets.redact(errorMessage(err));
      if (first && err instanceof EngineError && ['configuration', 'state-dir'].includes(err.code))
        throw new ServiceStartError(message);
      const failures = this.health.failed(mode, message);
      this.ended(mode, 'failed', startedAt);
      this.say('run-failed', 'error', `${mode} failed (${failures} in a row): ${message}`, {
        mode,
        failuresInARow: failures,
      });
      if (failures === serviceOf(this.settings).failuresInARow)
        this.alerts?.failing(mode, failures, message);
    }
  }

  private ended(mode: ServiceMode, result: 'ok' | 'failed' | 'cancelled', startedAt: number): void {
    if (result === 'cancelled') this.health.stopped(mode);
    this.metrics.runEnded(
      mode,
      result,
      (Date.now() - startedAt) / 1000,
      this.health.failures(mode),
    );
  }

  private engineEvent(event: EngineEvent, mode: ServiceMode): void {
    this.health.active(mode);
    this.metrics.observe(event);
    if (event.type === 'attention') {
      const key = attentionKey(event);
      if (!this.alerted.has(key)) {
        this.alerted.add(key);
        this.alerts?.attention(event);
      }
    }
    this.options.emit(event, mode);
  }

  /** Items parked before the service started were reported then: they alert only if they recur changed. */
  private async rememberParked(): Promise<void> {
    try {
      const status = await readStatus(this.options.stateDir);
      for (const item of status.needsAttention) this.alerted.add(attentionKey(item));
    } catch {
      // No journal yet, or unreadable: the first run reports the problem.
    }
  }

  private healthReply(): Reply {
    const report = this.health.report();
    return jsonReply(report.healthy ? 200 : 503, {
      status: report.healthy ? 'ok' : 'unhealthy',
      ...report,
    });
  }

  /** Verifies, de-duplicates and acts on one tracking webhook; answers at once. */
  private receiveWebhook(body: Buffer, signature: string | undefined): Reply {
    const secret = this.webhookSecret;
    if (secret && !signatureValid(body, signature, secret)) {
      const result = signature ? 'bad_signature' : 'unsigned';
      this.metrics.webhook(result);
      this.say('webhook', 'warn', `tracking webhook refused: ${result.replace('_', ' ')}`, {
        result,
      });
      return jsonReply(401, {
        error: `X-Starshipit-Signature ${signature ? 'does not match' : 'is missing'}`,
      });
    }
    const event = readTrackingEvent(body);
    if ('problem' in event) {
      this.metrics.webhook('invalid');
      this.say('webhook', 'warn', `tracking webhook refused: ${event.problem}`, {
        result: 'invalid',
      });
      return jsonReply(400, { error: event.problem });
    }
    if (!this.seenEvents.add(event)) {
      this.metrics.webhook('duplicate');
      return jsonReply(200, { received: true, duplicate: true });
    }
    this.metrics.webhook('accepted');
    const act = meansLabel(event.status);
    this.say(
      'webhook',
      'info',
      `tracking webhook: ${event.orderNumber} ${event.status}${act ? ': writing back now' : ''}`,
      { orderNumber: event.orderNumber, result: act ? 'writeback' : 'ignored' },
    );
    if (act) this.writebackNow();
    return jsonReply(200, { received: true });
  }

  /** Makes the writeback due now (after the run in progress, if any). */
  private writebackNow(): void {
    this.nextAt.writeback = Math.min(this.nextAt.writeback, Date.now(), this.nextAt.import - 1);
    this.wake?.();
  }

  private startAlerts(): Alerts | undefined {
    const alerts = alertsOf(this.settings);
    const url = this.optionalSecret(alerts.webhook, 'alerts.webhook');
    if (!url) return undefined;
    if (!isAllowedEndpoint(url))
      throw new ServiceStartError(
        'alerts.webhook must be an https:// URL (or http:// to this machine, for tests); the URL is not shown because it grants posting',
      );
    return new Alerts({
      url,
      intervalMs: alerts.intervalSeconds * 1000,
      redact: (text) => this.options.secrets.redact(text),
      onDelivery: ({ ok, items, detail }) => {
        this.metrics.alert(ok ? 'sent' : 'failed');
        this.say(
          'alert',
          ok ? 'info' : 'warn',
          ok
            ? `alert sent (${items} item${items === 1 ? '' : 's'})`
            : `alert delivery failed (${detail}); retried with backoff`,
          { result: ok ? 'sent' : 'failed' },
        );
      },
    });
  }

  /** Resolves an optional credential setting; a reference without a value stops the start. */
  private optionalSecret(value: string | undefined, setting: string): string | undefined {
    if (value === undefined || value === '') return undefined;
    const resolved = resolveReference(value, this.options.secrets.lookup, setting);
    if ('missing' in resolved) throw new ServiceStartError(resolved.missing);
    return resolved.value;
  }

  private say(
    event: ServiceEvent['event'],
    level: ServiceEvent['level'],
    message: string,
    extra: Partial<ServiceEvent> = {},
  ): void {
    this.options.emit({ type: 'service', event, level, message, ...extra });
  }
}

function attentionKey(item: { orderNumber?: string; saleId?: string; code: string }): string {
  return `${item.orderNumber ?? item.saleId ?? ''}\u0000${item.code}`;
}

export { WEBHOOK_PATH };
