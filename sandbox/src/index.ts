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
  ShipmentView,
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

/** The stores, switches and hooks every part of one sandbox shares. */
interface SandboxWorld {
  seed: number;
  sales: number;
  timeScale: number;
  switches: FullSwitches;
  webhooks: WebhookSender;
  dear: DearStore;
  orders: OrderStore;
  /** A second account (its own API key): order IDs in another range, as Starshipit's are global. */
  secondOrders: OrderStore;
  faults: FaultInjector;
  log: CallLogEntry[];
  /** Schedules a save of the state file (when there is one). */
  changed: () => void;
  /** Saves the state file now; throws when it cannot. */
  saveNow: () => void;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const world = createWorld(options);
  world.saveNow(); // fail fast on an unwritable --state path
  let servers: ApiServer[] = [];
  const sandbox = sandboxHandle(world, async () => {
    await Promise.all(servers.map((server) => server.close()));
  });
  servers = await listenBoth(world, sandbox, options.port ?? 0);
  return sandbox;
}

function createWorld(options: SandboxOptions): SandboxWorld {
  const seed = Math.floor(options.seed ?? 1) >>> 0;
  const sales = Math.max(0, Math.floor(options.sales ?? 60));
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0))
    throw new Error(`sandbox: timeScale must be > 0 (got ${String(options.timeScale)})`);
  const switches = initialSwitches(options);
  const webhooks = new WebhookSender();
  webhooks.target = options.trackingWebhook ? { ...options.trackingWebhook } : undefined;
  const dear = new DearStore(seed, sales, Math.max(0, Math.floor(options.products ?? 0)));
  const orders = new OrderStore(seed);
  const secondOrders = new OrderStore(seed + 1);
  secondOrders.nextOrderId = 204_000_001;
  const stateFile = options.stateFile ? path.resolve(options.stateFile) : undefined;
  const world: SandboxWorld = {
    seed,
    sales,
    timeScale,
    switches,
    webhooks,
    dear,
    orders,
    secondOrders,
    faults: new FaultInjector(seed, options.faults ?? ''),
    log: [],
    ...stateSaver(stateFile, () => stateOf(world)),
  };
  if (stateFile && existsSync(stateFile))
    restoreState(world, readStateFile(stateFile, seed, sales), options);
  return world;
}

function initialSwitches(options: SandboxOptions): FullSwitches {
  const switches: FullSwitches = { ...DEFAULT_SWITCHES };
  for (const [key, value] of Object.entries(options.switches ?? {})) {
    const [name, parsed] = parseSwitch(key, value);
    (switches as Record<string, unknown>)[name] = parsed;
  }
  return switches;
}

/** The state file's contents, refused when unreadable, not JSON, or written for another seed. */
function readStateFile(stateFile: string, seed: number, sales: number): StateFile {
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
  let state: StateFile;
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
  return state;
}

/** Loads saved stores; saved switches and faults apply unless the options name their own. */
function restoreState(world: SandboxWorld, state: StateFile, options: SandboxOptions): void {
  world.dear.restore(state.dear);
  world.orders.restore(state.starshipit);
  if (state.starshipitSecond) world.secondOrders.restore(state.starshipitSecond);
  if (!options.switches) Object.assign(world.switches, state.switches);
  if (options.faults === undefined && state.faults) world.faults.set(state.faults);
}

function stateOf(world: SandboxWorld): StateFile {
  return {
    version: 1,
    seed: world.seed,
    sales: world.sales,
    savedAt: new Date().toISOString(),
    switches: world.switches,
    faults: world.faults.spec(),
    dear: world.dear.snapshot(),
    starshipit: world.orders.snapshot(),
    starshipitSecond: world.secondOrders.snapshot(),
  };
}

/** Saving to the state file: at once, or shortly after a change (one save per burst of writes). */
function stateSaver(
  stateFile: string | undefined,
  snapshot: () => StateFile,
): Pick<SandboxWorld, 'changed' | 'saveNow'> {
  let saveTimer: NodeJS.Timeout | undefined;
  let saveFailed = false;
  const saveNow = (): void => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    if (!stateFile) return;
    writeStateFile(stateFile, snapshot());
  };
  const changed = (): void => {
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
  return { saveNow, changed };
}

function writeStateFile(stateFile: string, state: StateFile): void {
  const tmp = `${stateFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, stateFile); // atomic: a crash never leaves half a file
  } catch (err) {
    throw new Error(`sandbox: cannot write the state file ${stateFile}: ${fsProblem(err)}`, {
      cause: err,
    });
  }
}

function storeOf(world: SandboxWorld, account: SandboxAccount | undefined): OrderStore {
  return account === 'second' ? world.secondOrders : world.orders;
}

function findSale(world: SandboxWorld, saleId: string): number {
  const index = world.dear.indexOfSaleId(saleId);
  if (index === undefined)
    throw new Error(
      `sandbox: no sale with ID ${saleId} (seed ${world.seed}, ${world.sales} sales)`,
    );
  return index;
}

/** The test-facing handle; its URLs are filled in once both servers listen. */
function sandboxHandle(world: SandboxWorld, closeServers: () => Promise<void>): Sandbox {
  const { dear, orders, switches, faults, webhooks, log, changed } = world;
  return {
    dearBaseUrl: '',
    starshipitBaseUrl: '',
    controlUrl: '',
    credentials: { ...CREDENTIALS },
    seed: world.seed,
    timeScale: world.timeScale,
    salesCount: world.sales,
    eligibleSales: (statuses, opts = {}) => eligibleSales(dear, statuses, opts),
    starshipitOrders: (account) => ordersByNumber(storeOf(world, account)),
    dearShipments: (opts = {}) => shipmentsByTask(dear, opts),
    callLog: () => log.map((entry) => ({ ...entry })),
    clearCallLog: () => {
      log.length = 0;
    },
    printLabel: (req) => printLabel(world, req),
    dispatch: (ref) => dispatchOrder(world, ref),
    deliver(ref) {
      orders.deliver(ref);
      changed();
    },
    setSwitch<K extends keyof SandboxSwitches>(name: K, value: SandboxSwitches[K]) {
      const [key, parsed] = parseSwitch(name, value);
      (switches as Record<string, unknown>)[key] = parsed;
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
      dear.mutate(findSale(world, saleId), (sale) =>
        patch(sale as unknown as Record<string, unknown>),
      );
      changed();
    },
    sale: (saleId: string) => saleDetail(dear.get(findSale(world, saleId))),
    saveState: world.saveNow,
    setTrackingWebhook(target) {
      webhooks.target = target ? { ...target } : undefined;
    },
    webhookDeliveries: () => webhooks.deliveries.map((delivery) => ({ ...delivery })),
    webhooksIdle: () => webhooks.idle(),
    async close() {
      await webhooks.idle();
      await closeServers();
      world.saveNow();
    },
  };
}

function eligibleSales(
  dear: DearStore,
  statuses: string[],
  opts: { includeInvalid?: boolean },
): EligibleSale[] {
  const wanted = new Set(statuses.map((status) => status.trim().toUpperCase()));
  const stagesWanted = [...wanted].some((status) => SIMPLE_ONLY_STATUSES.has(status));
  const out: EligibleSale[] = [];
  for (let i = 0; i < dear.count; i++) {
    const status = dear.statusOf(i);
    if (!wanted.has(status) && !(stagesWanted && ORDER_STATUSES.has(status))) continue;
    if (!opts.includeInvalid && dear.hasProblem(i)) continue;
    const sale = dear.get(i);
    if (!saleStages(sale).some((stage) => wanted.has(stage))) continue;
    out.push({
      saleId: sale.ID,
      orderNumber: sale.__meta.orderNumber,
      type: sale.Type,
      status: sale.Status,
      valid: sale.__meta.problems.length === 0,
      problems: [...sale.__meta.problems],
      fulfilments: sale.Fulfilments.map((fulfilment) => ({
        taskId: fulfilment.TaskID,
        number: fulfilment.FulfillmentNumber,
        stage: fulfilmentStage(fulfilment, sale.Status),
      })),
    });
  }
  return out;
}

function ordersByNumber(store: OrderStore): Map<string, unknown[]> {
  const byNumber = new Map<string, unknown[]>();
  for (const stored of store.orders) {
    const key = String(stored.order.order_number);
    byNumber.set(key, [...(byNumber.get(key) ?? []), clean(structuredClone(stored.order))]);
  }
  return byNumber;
}

function shipmentsByTask(
  dear: DearStore,
  opts: { changedOnly?: boolean },
): Map<string, ShipmentView> {
  const byTask = new Map<string, ShipmentView>();
  const indexes = opts.changedOnly
    ? dear.changedIndexes()
    : Array.from({ length: dear.count }, (_, i) => i);
  for (const i of indexes) {
    const sale = dear.get(i);
    for (const fulfilment of sale.Fulfilments) {
      byTask.set(fulfilment.TaskID, {
        status: fulfilment.Ship.Status,
        lines: structuredClone(fulfilment.Ship.Lines),
        saleId: sale.ID,
        orderNumber: sale.__meta.orderNumber,
        fulfillmentNumber: fulfilment.FulfillmentNumber,
        writes: dear.shipWrites.get(fulfilment.TaskID) ?? 0,
      });
    }
  }
  return byTask;
}

function printLabel(world: SandboxWorld, req: LabelRequest): ReturnType<Sandbox['printLabel']> {
  const stored = storeOf(world, req.account).printLabel(req);
  world.changed();
  const signature = world.switches.starshipitWebhookSignature;
  world.webhooks.send(stored.order, 'Printed', signature);
  if (req.dispatch) world.webhooks.send(stored.order, 'Dispatched', signature);
  return {
    orderId: Number(stored.order.order_id),
    trackingNumbers: (stored.order.packages as { tracking_number: string }[]).map(
      (p) => p.tracking_number,
    ),
  };
}

function dispatchOrder(
  world: SandboxWorld,
  ref: Parameters<Sandbox['dispatch']>[0],
): ReturnType<Sandbox['dispatch']> {
  const stored = world.orders.dispatch(ref);
  world.changed();
  world.webhooks.send(stored.order, 'Dispatched', world.switches.starshipitWebhookSignature);
  return {
    orderId: Number(stored.order.order_id),
    manifestNumber: Number(stored.order.manifest_number),
  };
}

/** Both API servers (control endpoints on each); fills in the handle's URLs. */
async function listenBoth(
  world: SandboxWorld,
  sandbox: Sandbox,
  requested: number,
): Promise<ApiServer[]> {
  const { dear, orders, switches, timeScale, faults, log } = world;
  const hooks = {
    log: (entry: CallLogEntry) => {
      log.push(entry);
      if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);
    },
    decideFault: (api: 'dear' | 'starshipit', method: string, route: string) =>
      faults.decide(api, method, route),
    afterWrite: world.changed,
    control: new ControlApi(
      sandbox,
      () => faults.spec(),
      () => ({ dear: dear.snapshot(), starshipit: orders.snapshot() }),
    ),
  };
  const dearSurface = new DearSurface(dear, { switches, timeScale });
  const ssSurface = new StarshipitSurface(
    new Map([
      [CREDENTIALS.starshipitApiKey, orders],
      [CREDENTIALS.starshipitApiKey2, world.secondOrders],
    ]),
    { switches, timeScale },
  );
  const dearServer = new ApiServer(dearSurface, { ...hooks });
  const ssServer = new ApiServer(ssSurface, { ...hooks });
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
  return [dearServer, ssServer];
}
