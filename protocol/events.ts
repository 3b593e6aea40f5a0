/**
 * Typed events the engine emits while it runs. One stream feeds every front end: the CLI prints
 * them (human or `--json`, one object per line — a public interface documented in README), the
 * language server forwards them to the client's output panel, progress and preview.
 *
 * Payloads are exactly what is (or, in a dry run, would be) sent. Secrets never appear here.
 */

export type Api = 'dear' | 'starshipit';
export type RunMode = 'import' | 'writeback' | 'sync' | 'retry';

export interface OrderEvent {
  type: 'order';
  orderNumber: string;
  source: { saleId: string; taskId?: string };
  /** The exact Starshipit `order` object sent (or to be sent) in `POST /api/orders`. */
  starshipit: Record<string, unknown>;
  dryRun: boolean;
  /** Non-fatal notes, e.g. delivery instructions cut to 100 characters. */
  warnings?: string[];
  /** Live runs: `created` or `alreadyPresent` (found by order_number after an unknown outcome). */
  outcome?: 'created' | 'alreadyPresent';
  starshipitOrderId?: number;
  /** The Starshipit account the order goes to (`default` or a `warehouses.accounts` name); present when the settings name more than one account. */
  account?: string;
}

export interface SkipEvent {
  type: 'skip';
  orderNumber: string;
  saleId?: string;
  /** Stable machine code, e.g. `status-not-selected`, `already-imported`, `voided`. */
  code: string;
  reason: string;
}

export interface WritebackEvent {
  type: 'writeback';
  orderNumber: string;
  taskId: string;
  /** The exact Cin7 Core request body (`POST`/`PUT sale/fulfilment/ship`). */
  dear: Record<string, unknown>;
  dryRun: boolean;
  outcome?: 'written' | 'alreadyDone';
}

export interface AttentionEvent {
  type: 'attention';
  orderNumber?: string;
  saleId?: string;
  taskId?: string;
  code: string;
  reason: string;
  /** Whether `retry` may succeed without a change in data or settings. */
  retryable: boolean;
}

export interface UpdateEvent {
  type: 'update';
  orderNumber: string;
  changes: { field: string; before: unknown; after: unknown }[];
  starshipit: Record<string, unknown>;
  dryRun: boolean;
}

export interface WithdrawEvent {
  type: 'withdraw';
  orderNumber: string;
  reason: string;
  dryRun: boolean;
}

export interface ProgressEvent {
  type: 'progress';
  phase: 'list' | 'detail' | 'create' | 'poll' | 'writeback' | 'update';
  done: number;
  total?: number;
  message?: string;
}

export interface ThrottleEvent {
  type: 'throttle';
  api: Api;
  /** HTTP status that signalled the throttle (429, 503 or 400-wrapped). */
  status: number;
  waitMs: number;
}

export interface RetryEvent {
  type: 'retry';
  api: Api;
  attempt: number;
  waitMs: number;
  reason: string;
}

/** The limiter is holding calls back to stay inside the quota (not an error). */
export interface WaitEvent {
  type: 'wait';
  api: Api;
  waitMs: number;
}

export interface LogEvent {
  type: 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export interface SummaryEvent {
  type: 'summary';
  mode: RunMode;
  dryRun: boolean;
  created: number;
  alreadyPresent: number;
  skipped: number;
  needsAttention: number;
  writtenBack: number;
  updated: number;
  withdrawn: number;
  calls: { dear: number; starshipit: number };
  throttled: { dear: number; starshipit: number };
  /**
   * What a live run needs: Cin7 Core and Starshipit calls, and the wall time both limits allow
   * (the slower API sets it; the two run side by side). A dry run's planned writes are included.
   */
  estimate: { dearCalls: number; starshipitCalls?: number; seconds: number };
  /** Wall time this run took (what it did, not an estimate). */
  elapsedSeconds?: number;
  /** True when the run was cancelled; counts then say what was already done. */
  cancelled?: boolean;
  /**
   * Needs-attention items still parked after the run (including those parked before it):
   * `willRetry` are transient failures later runs retry by themselves (with backoff);
   * `needsChange` wait for the sale, the order or the settings to change, or for `retry`.
   */
  parked?: { willRetry: number; needsChange: number };
  /** Why a run did what it did when the counts alone would mislead (e.g. labels seen, none written). */
  notes?: string[];
}

export type EngineEvent =
  | OrderEvent
  | SkipEvent
  | WritebackEvent
  | AttentionEvent
  | UpdateEvent
  | WithdrawEvent
  | ProgressEvent
  | ThrottleEvent
  | RetryEvent
  | WaitEvent
  | LogEvent
  | SummaryEvent;

/**
 * `dear-starshipit serve`: what the service itself did, between and around the engine's runs.
 * In its JSON log every line (engine events too) also carries `at` (ISO time) and, during a run,
 * `run` (import or writeback).
 */
export interface ServiceEvent {
  type: 'service';
  event:
    'listening' | 'run-failed' | 'settings-kept' | 'webhook' | 'alert' | 'stopping' | 'stopped';
  message: string;
  level: 'info' | 'warn' | 'error';
  /** `listening`: the address of the health, metrics and webhook listener. */
  address?: string;
  /** `run-failed`: the kind of run and its failures in a row. */
  mode?: 'import' | 'writeback';
  failuresInARow?: number;
  /** `webhook`: the order the tracking webhook named and what was done with it. */
  orderNumber?: string;
  result?: string;
}

/** One row of `validate --json` (0-based positions, LSP style). */
export interface SettingsDiagnosticRow {
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
  severity: 'error' | 'warning' | 'information' | 'hint';
  code: string;
  message: string;
}

/**
 * The CLI with `--json`: the error a command stopped on (bad usage, an unreadable or invalid
 * settings file, a missing credential, a state directory in use, …). Printed on stdout in addition
 * to the sentence on stderr; it is then the last line, in place of a summary.
 */
export interface CliErrorEvent {
  type: 'error';
  command: string;
  /** Stable machine code, e.g. `usage`, `settings-file`, `settings-invalid`, `configuration`, `locked`. */
  code: string;
  message: string;
  /** The process exit code that follows (2 usage/configuration, 1 could not run). */
  exitCode: number;
  /** The settings file concerned (absolute path), when there is one. */
  file?: string;
  /** `settings-invalid`: the file's problems, as `validate --json` prints them. */
  diagnostics?: SettingsDiagnosticRow[];
}
