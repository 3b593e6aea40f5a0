/** Everything one run shares: settings, clients, journal, counters and the event sink. */
import type { DearSettings } from '../../../protocol/settings';
import type { AttentionEvent, EngineEvent, RunMode } from '../../../protocol/events';
import type { DearClient } from './dearClient';
import type { StarshipitClient } from './starshipitClient';
import type { Journal, JournalRecord } from './journal';
import type { ApiRunner } from './apiRunner';
import { CancelledError } from './sleep';

export interface Counters {
  created: number;
  alreadyPresent: number;
  skipped: number;
  needsAttention: number;
  writtenBack: number;
  detailsRead: number;
  /** Cin7 write calls a live run would make that this dry run did not (estimate). */
  plannedDearWrites: number;
  /** Keeping imported orders in step (issue 9): orders updated / withdrawn (dry run: would be). */
  updated?: number;
  withdrawn?: number;
}

export interface RunContext {
  settings: DearSettings;
  mode: RunMode;
  dryRun: boolean;
  journal: Journal;
  dear: DearClient;
  starshipit: StarshipitClient;
  dearRunner: ApiRunner;
  starshipitRunner: ApiRunner;
  counters: Counters;
  signal?: AbortSignal;
  onlyOrderNumbers?: Set<string>;
  /** No import has completed on this state directory yet (no Cin7 cursor). */
  firstImport: boolean;
  /**
   * Order numbers Starshipit holds (→ order_id), from this run's full listing or the journal's.
   * Undefined while no listing ever succeeded: every order is then looked up by order number
   * before it is created, so a lost state directory, a switch from Starshipit's own Cin7
   * integration or a failed first run cannot duplicate orders.
   */
  existingOrders?: Map<string, number | undefined>;
  emit: (e: EngineEvent) => void;
}

/** Journal a record durably unless this is a dry run (a dry run writes nothing anywhere). */
export async function record(ctx: RunContext, r: JournalRecord): Promise<void> {
  if (!ctx.dryRun) await ctx.journal.appendDurable(r);
}

export async function attention(
  ctx: RunContext,
  a: Omit<AttentionEvent, 'type'> & {
    kind: 'import' | 'writeback';
    key: string;
    saleUpdated?: string;
  },
): Promise<void> {
  ctx.counters.needsAttention++;
  ctx.emit({
    type: 'attention',
    orderNumber: a.orderNumber,
    saleId: a.saleId,
    taskId: a.taskId,
    code: a.code,
    reason: a.reason,
    retryable: a.retryable,
  });
  await record(ctx, {
    t: 'attention',
    key: a.key,
    kind: a.kind,
    orderNumber: a.orderNumber,
    saleId: a.saleId,
    taskId: a.taskId,
    code: a.code,
    reason: a.reason,
    retryable: a.retryable,
    at: new Date().toISOString(),
    ...(a.saleUpdated ? { saleUpdated: a.saleUpdated } : {}),
  });
}

export async function resolve(ctx: RunContext, key: string): Promise<void> {
  if (ctx.journal.state.attention.has(key)) await record(ctx, { t: 'resolved', key });
}

export const importKey = (orderNumber: string): string => `import:${orderNumber}`;
export const saleKey = (saleId: string): string => `import-sale:${saleId}`;
export const writebackKey = (orderNumber: string): string => `writeback:${orderNumber}`;
export const keepKey = (orderNumber: string): string => `keep:${orderNumber}`;

export function throwIfCancelled(ctx: RunContext): void {
  if (ctx.signal?.aborted) throw new CancelledError();
}
