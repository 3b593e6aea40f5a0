/**
 * The in-process face of the sandbox, used by tests, benchmarks, `npm start` and the
 * "Dear: Start Sandbox" command. The same sandbox runs from the CLI (`dear-starshipit sandbox`).
 * Both APIs listen on 127.0.0.1 over real HTTP; nothing here is a mock of a client library.
 */

export interface SandboxOptions {
  /** 0 (default) picks a free port. The Starshipit API is served on its own port (port+1 when fixed). */
  port?: number;
  seed?: number;
  sales?: number;
  /** Divide every window and wait by this factor (100 → Cin7's 60 s window lasts 0.6 s). */
  timeScale?: number;
  /** Fault spec, e.g. `dear:saleList:500@0.1,starshipit:orders:reset@0.05` (see README). */
  faults?: string;
  /** Persist state to this JSON file (loaded on start, saved on change and on close). */
  stateFile?: string;
  /** Behaviour switches for unverified vendor behaviour (documented in README). */
  switches?: Partial<SandboxSwitches>;
}

export interface SandboxSwitches {
  /** Cin7 throttle status: 429 (current), 503 (legacy), 400 (wrapped message). */
  dearThrottleStatus: 429 | 503 | 400;
  /** Cin7 error model on the wire: `[{ErrorCode,Exception}]` or `{ErrorCode,Exception}`. */
  dearErrorShape: 'array' | 'object';
  /** Ship line naming a carrier not in ref/carrier: accepted as free text, or 400. */
  dearUnknownCarrier: 'accept' | 'reject';
  /** Share (0..1) of the Cin7 quota spent by another app on the same key. */
  dearForeignTraffic: number;
  /** Starshipit duplicate order_number on create. */
  starshipitDuplicates: 'allow' | 'reject';
  /** Starshipit validation failures: HTTP 400, or HTTP 200 with success:false. */
  starshipitValidationStatus: 400 | 200;
  /** Starshipit GET order not found: 404 or 200 with success:false. */
  starshipitNotFoundStatus: 404 | 200;
  /** Starshipit plan rate (requests per second). */
  starshipitRps: number;
}

export interface SandboxCredentials {
  dearAccountId: string;
  dearApiKey: string;
  starshipitApiKey: string;
  starshipitSubscriptionKey: string;
}

export interface CallLogEntry {
  at: number;
  api: 'dear' | 'starshipit' | 'control';
  method: string;
  /** Path without query, e.g. `/ExternalApi/v2/saleList`. */
  route: string;
  query: string;
  status: number;
  /** Application key / subscription key the call used (for per-key accounting), never logged to stdout. */
  key?: string;
  /** Set when a fault was injected on this call. */
  fault?: string;
}

export interface LabelRequest {
  orderNumber: string;
  carrier: string;           // Starshipit carrier code, e.g. AusPost
  carrierName?: string;
  serviceCode?: string;
  /** One tracking number per package; default one generated. */
  trackingNumbers?: string[];
  /** Also mark dispatched (manifested / status Shipped). */
  dispatch?: boolean;
}

export interface Sandbox {
  /** e.g. `http://127.0.0.1:41234/ExternalApi/v2/` — use as `dear.baseUrl`. */
  dearBaseUrl: string;
  /** e.g. `http://127.0.0.1:41235` — use as `starshipit.baseUrl`. */
  starshipitBaseUrl: string;
  /** Control endpoints (outside the real API paths), e.g. `http://127.0.0.1:41234/__sandbox/`. */
  controlUrl: string;
  credentials: SandboxCredentials;
  /** Sales whose Status is in `statuses` and that have a valid address etc. (ground truth for tests). */
  eligibleSales(statuses: string[]): { saleId: string; orderNumber: string; type: string }[];
  /** Starshipit orders keyed by order_number → all orders with that number (length > 1 = duplicate). */
  starshipitOrders(): Map<string, unknown[]>;
  /** Cin7 shipments keyed by fulfilment TaskID. */
  dearShipments(): Map<string, { status: string; lines: unknown[]; saleId: string; orderNumber: string }>;
  callLog(): CallLogEntry[];
  clearCallLog(): void;
  printLabel(req: LabelRequest): { orderId: number; trackingNumbers: string[] };
  setSwitch<K extends keyof SandboxSwitches>(name: K, value: SandboxSwitches[K]): void;
  setFaults(spec: string): void;
  /** Mutate a sale (issue 9 tests): apply a partial patch to the sale detail and bump `Updated`. */
  updateSale(saleId: string, patch: (sale: Record<string, unknown>) => void): void;
  close(): Promise<void>;
}
