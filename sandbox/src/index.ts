/**
 * startSandbox(): Cin7 Core v2 and Starshipit on two loopback ports, plus control endpoints under
 * `/__sandbox/` (on both ports). See sandbox/src/api.ts for the contract and the README draft for
 * behaviour, switches and the fault grammar.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type {
  CallLogEntry,
  EligibleSale,
  LabelRequest,
  Sandbox,
  SandboxAccount,
  SandboxOptions,
  SandboxSwitches,
} from './api';
import { CREDENTIALS, DEFAULT_SWITCHES, parseSwitch, type FullSwitches } from './config';
import { ControlApi } from './control';
import {
  fulfilmentStage,
  ORDER_STATUSES,
  saleDetail,
  saleStages,
  SIMPLE_ONLY_STATUSES,
} from './dear/status';
import { DearStore, type DearStateSnapshot } from './dear/store';
import { DearSurface } from './dear/surface';
import { FaultInjector } from './faults';
import { ApiServer } from './server';
import { clean, OrderStore, type OrdersSnapshot } from './starshipit/orders';
import { StarshipitSurface } from './starshipit/surface';
import { WebhookSender } from './starshipit/webhooks';
import { errorMessage } from '../../protocol/errorMessage';

export type {
  Sandbox,
  SandboxOptions,
  SandboxSwitches,
  CallLogEntry,
  LabelRequest,
  EligibleSale,
} from './api';
export { CREDENTIALS, DEFAULT_SWITCHES } from './config';
export { parseFaultSpec } from './faults';

const MAX_LOG = 500_000;

interface StateFile {
  version: 1;
  seed: number;
  sales: number;
  savedAt: string;
  switches: FullSwitches;
  faults: string;
  dear: DearStateSnapshot;
  starshipit: OrdersSnapshot;
  /** The second Starshipit account's orders (absent in files written before it existed). */
  starshipitSecond?: OrdersSnapshot;
}

/** A file-system failure in words, with what to do (no bare ENOENT/EACCES). */
function fsProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'its folder does not exist; create the folder or name another file with --state FILE';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; give your user access or name another file with --state FILE';
    case 'EISDIR':
      return 'it is a directory, not a file; name a file with --state FILE';
    case 'ENOTDIR':
      return 'a part of its path is a file, not a folder; name another file with --state FILE';
    case 'EROFS':
      return 'the file system is read-only; name a file on a writable disk with --state FILE';
    case 'ENOSPC':
      return 'no space left on the disk; free some space';
    default:
      return `${code ?? errorMessage(err)}; check the path and its permissions, or name another file with --state FILE`;
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = Math.floor(options.seed ?? 1) >>> 0;
  const sales = Math.max(0, Math.floor(options.sales ?? 60));
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0))
    throw new Error(`sandbox: timeScale must be > 0 (got ${String(options.timeScale)})`);
  const switches: FullSwitches = { ...DEFAULT_SWITCHES };
  const webhooks = new WebhookSender();
  webhooks.target = options.trackingWebhook ? { ...options.trackingWebhook } : undefined;
  for (const [k, v] of Object.entries(options.switches ?? {})) {
    const [name, value] = parseSwitch(k, v);
    (switches as Record<string, unknown>)[name] = value;
  }
  const dear = new DearStore(seed, sales, Math.max(0, Math.floor(options.products ?? 0)));
  const orders = new OrderStore(seed);
  // A second account (its own API key): order IDs in another range, as Starshipit's are global.
  const secondOrders = new OrderStore(seed + 1);
  secondOrders.nextOrderId = 204_000_001;
  const storeOf = (account: SandboxAccount | undefined): OrderStore =>
    account === 'second' ? secondOrders : orders;
  const faults = new FaultInjector(seed, options.faults ?? '');
  const log: CallLogEntry[] = [];

  const stateFile = options.stateFile ? path.resolve(options.stateFile) : undefined;
  if (stateFile && existsSync(stateFile)) {
    let state: StateFile;
    let text: string;
    try {
      if (!statSync(stateFile).isFile())
        throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      text = readFileSync(stateFile, 'utf8');
    } catch (err) {
      throw new Error(`sandbox: cannot read the state file ${stateFile}: ${fsProblem(err)}`, {
        cause: err,
      });
    }
    try {
      state = JSON.parse(text) as StateFile;
    } catch (err) {
      throw new Error(
        `sandbox: the state file ${stateFile} is not valid JSON (${errorMessage(err)}); move it away to start from the seed, or name another file with --state FILE`,
        { cause: err },
      );
    }
    if (state.seed !== seed || state.sales !== sales) {
      throw new Error(
        `sandbox: state file ${stateFile} was written for --seed ${state.seed} --sales ${state.sales}, not --seed ${seed} --sales ${sales}; use the same values or another file`,
      );
    }
    dear.restore(state.dear);
    orders.restore(state.starshipit);
    if (state.starshipitSecond) secondOrders.restore(state.starshipitSecond);
    if (!options.switches) Object.assign(switches, state.switches);
    if (options.faults === undefined && state.faults) faults.set(state.faults);
  }

  let saveTimer: NodeJS.Timeout | undefined;
  const saveNow = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    if (!stateFile) return;
    const state: StateFile = {
      version: 1,
      seed,
      sales,
      savedAt: new Date().toISOString(),
      switches,
      faults: faults.spec(),
      dear: dear.snapshot(),
      starshipit: orders.snapshot(),
      starshipitSecond: secondOrders.snapshot(),
    };
    const tmp = `${stateFile}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(state));
      renameSync(tmp, stateFile); // atomic: a crash never leaves half a file
    } catch (err) {
      throw new Error(`sandbox: cannot write the state file ${stateFile}: ${fsProblem(err)}`, {
        cause: err,
      });
    }
  };
  let saveFailed = false;
  const changed = () => {
    if (!stateFile || saveTimer) return;
    saveTimer = setTimeout(() => {
      try {
        saveNow();
        saveFailed = false;
      } catch (err) {
        // Keep serving; say it once per failure streak. close() reports it again by rejecting.
        if (!saveFailed) process.stderr.write(`${errorMessage(err)}\n`);
        saveFailed = true;
      }
    }, 25);
  };
  saveNow(); // fail fast on an unwritable --state path

  const hooksBase = {
    log: (e: CallLogEntry) => {
      log.push(e);
      if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);
    },
    decideFault: (api: 'dear' | 'starshipit', method: string, route: string) =>
      faults.decide(api, method, route),
    afterWrite: changed,
  };
  const dearSurface = new DearSurface(dear, { switches, timeScale });
  const ssSurface = new StarshipitSurface(
    new Map([
      [CREDENTIALS.starshipitApiKey, orders],
      [CREDENTIALS.starshipitApiKey2, secondOrders],
    ]),
    { switches, timeScale },
  );

  const findSale = (saleId: string) => {
    const index = dear.indexOfSaleId(saleId);
    if (index === undefined)
      throw new Error(`sandbox: no sale with ID ${saleId} (seed ${seed}, ${sales} sales)`);
    return index;
  };

  const sandbox: Sandbox = {
    dearBaseUrl: '',
    starshipitBaseUrl: '',
    controlUrl: '',
    credentials: { ...CREDENTIALS },
    seed,
    timeScale,
    salesCount: sales,
    eligibleSales(statuses: string[], opts: { includeInvalid?: boolean } = {}): EligibleSale[] {
      const wanted = new Set(statuses.map((s) => s.trim().toUpperCase()));
      const stagesWanted = [...wanted].some((st) => SIMPLE_ONLY_STATUSES.has(st));
      const out: EligibleSale[] = [];
      for (let i = 0; i < dear.count; i++) {
        const status = dear.statusOf(i);
        if (!wanted.has(status) && !(stagesWanted && ORDER_STATUSES.has(status))) continue;
        if (!opts.includeInvalid && dear.hasProblem(i)) continue;
        const s = dear.get(i);
        if (!saleStages(s).some((st) => wanted.has(st))) continue;
        out.push({
          saleId: s.ID,
          orderNumber: s.__meta.orderNumber,
          type: s.Type,
          status: s.Status,
          valid: s.__meta.problems.length === 0,
          problems: [...s.__meta.problems],
          fulfilments: s.Fulfilments.map((f) => ({
            taskId: f.TaskID,
            number: f.FulfillmentNumber,
            stage: fulfilmentStage(f, s.Status),
          })),
        });
      }
      return out;
    },
    starshipitOrders(account?: SandboxAccount) {
      const m = new Map<string, unknown[]>();
      for (const o of storeOf(account).orders) {
        const key = String(o.order.order_number);
        m.set(key, [...(m.get(key) ?? []), clean(structuredClone(o.order))]);
      }
      return m;
    },
    dearShipments(opts: { changedOnly?: boolean } = {}) {
      const m = new Map<
        string,
        {
          status: string;
          lines: unknown[];
          saleId: string;
          orderNumber: string;
          fulfillmentNumber: number;
          writes: number;
        }
      >();
      const indexes = opts.changedOnly
        ? dear.changedIndexes()
        : Array.from({ length: dear.count }, (_, i) => i);
      for (const i of indexes) {
        const s = dear.get(i);
        for (const f of s.Fulfilments) {
          m.set(f.TaskID, {
            status: f.Ship.Status,
            lines: structuredClone(f.Ship.Lines),
            saleId: s.ID,
            orderNumber: s.__meta.orderNumber,
            fulfillmentNumber: f.FulfillmentNumber,
            writes: dear.shipWrites.get(f.TaskID) ?? 0,
          });
        }
      }
      return m;
    },
    callLog: () => log.map((e) => ({ ...e })),
    clearCallLog: () => {
      log.length = 0;
    },
    printLabel(req: LabelRequest) {
      const stored = storeOf(req.account).printLabel(req);
      changed();
      webhooks.send(stored.order, 'Printed', switches.starshipitWebhookSignature);
      if (req.dispatch)
        webhooks.send(stored.order, 'Dispatched', switches.starshipitWebhookSignature);
      return {
        orderId: Number(stored.order.order_id),
        trackingNumbers: (stored.order.packages as { tracking_number: string }[]).map(
          (p) => p.tracking_number,
        ),
      };
    },
    dispatch(ref) {
      const stored = orders.dispatch(ref);
      changed();
      webhooks.send(stored.order, 'Dispatched', switches.starshipitWebhookSignature);
      return {
        orderId: Number(stored.order.order_id),
        manifestNumber: Number(stored.order.manifest_number),
      };
    },
    deliver(ref) {
      orders.deliver(ref);
      changed();
    },
    setSwitch<K extends keyof SandboxSwitches>(name: K, value: SandboxSwitches[K]) {
      const [k, v] = parseSwitch(name, value);
      (switches as Record<string, unknown>)[k] = v;
      changed();
    },
    switches: () => ({ ...switches }),
    setProduct(sku, edit) {
      dear.products.edit(sku, edit, dear.stamp());
    },
    setFaults(spec: string) {
      faults.set(spec);
      changed();
    },
    updateSale(saleId: string, patch: (sale: Record<string, unknown>) => void) {
      dear.mutate(findSale(saleId), (sale) => patch(sale as unknown as Record<string, unknown>));
      changed();
    },
    sale: (saleId: string) => saleDetail(dear.get(findSale(saleId))),
    saveState: saveNow,
    setTrackingWebhook(target) {
      webhooks.target = target ? { ...target } : undefined;
    },
    webhookDeliveries: () => webhooks.deliveries.map((d) => ({ ...d })),
    webhooksIdle: () => webhooks.idle(),
    async close() {
      await webhooks.idle();
      await Promise.all([dearServer.close(), ssServer.close()]);
      saveNow();
    },
  };

  const control = new ControlApi(
    sandbox,
    () => faults.spec(),
    () => ({ dear: dear.snapshot(), starshipit: orders.snapshot() }),
  );
  const dearServer = new ApiServer(dearSurface, { ...hooksBase, control });
  const ssServer = new ApiServer(ssSurface, { ...hooksBase, control });
  const requested = options.port ?? 0;
  const dearPort = await dearServer.listen(requested);
  try {
    await ssServer.listen(requested === 0 ? 0 : requested + 1);
  } catch (err) {
    await dearServer.close();
    throw err;
  }
  sandbox.dearBaseUrl = `http://127.0.0.1:${dearPort}/ExternalApi/v2/`;
  sandbox.starshipitBaseUrl = `http://127.0.0.1:${ssServer.port}`;
  sandbox.controlUrl = `http://127.0.0.1:${dearPort}/__sandbox/`;
  return sandbox;
}
