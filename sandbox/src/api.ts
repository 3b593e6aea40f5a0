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
  /** Filler products in `GET product` beyond those the sales use (product-cache size tests). */
  products?: number;
  /** Divide every window and wait by this factor (100 → Cin7's 60 s window lasts 0.6 s). */
  timeScale?: number;
  /** Fault spec, e.g. `dear:saleList:500@0.1,starshipit:orders:reset@0.05` (see README). */
  faults?: string;
  /** Persist state to this JSON file (loaded on start, saved on change and on close). */
  stateFile?: string;
  /** Behaviour switches for unverified vendor behaviour (documented in README). */
  switches?: Partial<SandboxSwitches>;
  /** Send Starshipit's tracking webhook here when a label is printed or an order dispatched. */
  trackingWebhook?: TrackingWebhookTarget;
}

export interface TrackingWebhookTarget {
  url: string;
  /** Signs each webhook (`X-Starshipit-Signature`) with this secret; unsigned without. */
  secret?: string;
}

export interface WebhookDelivery {
  at: number;
  orderNumber: string;
  status: string;
  signed: boolean;
  /** The receiver's answer, or the network error. */
  httpStatus?: number;
  error?: string;
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
  /**
   * Rows of `GET /api/orders/shipped`: flat summaries (one tracking number, no status, no
   * packages; the form public clients read) or full orders. See test/contract/samples.
   */
  starshipitShippedRows?: 'summary' | 'full';
  /**
   * Whether a printed order that is not manifested yet is in `GET /api/orders/shipped` (public
   * evidence does not say); the printed listing `GET /api/orders/shipments` always has it.
   */
  starshipitShippedIncludesPrinted?: boolean;
  /**
   * Largest `Limit` a Cin7 list honours; a larger one is capped without a word, like a server that
   * ignores `Limit` above N. Default 1000 (the documented maximum).
   */
  dearMaxLimit?: number;
  /**
   * `PUT /api/orders` with a `destination`: `replace` (default) stores the object sent as the
   * whole destination, since a field-by-field merge is not documented; `merge` keeps the fields
   * the body leaves out.
   */
  starshipitDestinationUpdate?: 'replace' | 'merge';
  /** Do refused (throttled) Cin7 calls occupy a slot of the 60 s window? Default false. */
  dearThrottledCallsCount?: boolean;
  /**
   * Encoding of the tracking webhook's `X-Starshipit-Signature` (HMAC-SHA256 of the raw body):
   * `hex` (default, what the public production receiver in the reference sample checks) or
   * `base64` (the vendor does not publish the algorithm).
   */
  starshipitWebhookSignature?: 'base64' | 'hex';
}

export interface SandboxCredentials {
  dearAccountId: string;
  dearApiKey: string;
  starshipitApiKey: string;
  starshipitSubscriptionKey: string;
  /** A second application key on the same Cin7 account (limits are per application key). */
  dearApiKey2?: string;
  /** A second subscription key that always gets the production rate (20 rps, time-scaled). */
  starshipitSubscriptionKeyProduction?: string;
  /** A second Starshipit account (a child account, e.g. another warehouse): its own API key. */
  starshipitApiKey2?: string;
  /** The second account's subscription key (its own rate bucket, at the developer rate). */
  starshipitSubscriptionKey2?: string;
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

/** The sandbox's Starshipit accounts: `default` (starshipitApiKey) and `second` (starshipitApiKey2). */
export type SandboxAccount = 'default' | 'second';

export interface LabelRequest {
  /** Which Starshipit account holds the order; default `default`. */
  account?: SandboxAccount;
  orderNumber: string;
  /** Pick one order when several share an order_number (duplicates); wins over orderNumber. */
  orderId?: number;
  carrier: string; // Starshipit carrier code, e.g. AusPost
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
  credentials: Required<SandboxCredentials>;
  /**
   * Starshipit orders keyed by order_number → all live (not deleted) orders with that number, as
   * `GET /api/orders` returns them (length > 1 = duplicate).
   */
  /** Orders of one Starshipit account (default: the `default` account) by order_number. */
  starshipitOrders(account?: SandboxAccount): Map<string, unknown[]>;
  /**
   * Cin7 shipments keyed by fulfilment TaskID: every fulfilment of every sale (or only of changed
   * sales with `changedOnly`, advisable at 100k sales). `writes` counts accepted ship POST/PUTs.
   */
  dearShipments(opts?: { changedOnly?: boolean }): Map<string, ShipmentView>;
  callLog(): CallLogEntry[];
  clearCallLog(): void;
  printLabel(req: LabelRequest): { orderId: number; trackingNumbers: string[] };
  setSwitch<K extends keyof SandboxSwitches>(name: K, value: SandboxSwitches[K]): void;
  /** Changes a product's customs fields (null clears one); its `LastModifiedOn` becomes now. */
  setProduct(
    sku: string,
    edit: {
      HSCode?: string | null;
      CountryOfOrigin?: string | null;
      CountryOfOriginCode?: string | null;
    },
  ): void;
  setFaults(spec: string): void;
  /** Mutate a sale (keep-in-step tests): apply a partial patch to the sale detail and bump `Updated`. */
  updateSale(saleId: string, patch: (sale: Record<string, unknown>) => void): void;
  close(): Promise<void>;

  // ---- extensions (all additive) ----
  readonly seed: number;
  readonly timeScale: number;
  readonly salesCount: number;
  /** Mark a printed order dispatched (status Shipped, manifested, manifest_number). */
  dispatch(ref: { orderNumber?: string; orderId?: number }): {
    orderId: number;
    manifestNumber: number;
  };
  /** Mark a shipped order delivered. */
  deliver(ref: { orderNumber?: string; orderId?: number }): void;
  /** Current switch values (defaults merged with options and setSwitch calls). */
  switches(): Required<SandboxSwitches>;
  /** Full sale detail as `GET sale?ID=` returns it (no rate limit, not logged). */
  sale(saleId: string): Record<string, unknown>;
  /** Ground truth incl. invalid sales when asked; every entry says whether it is valid and why not. */
  /**
   * Sales selected by `statuses` as README "What gets imported" states it: by `Status`, and for an
   * Advanced sale at ORDERED/BACKORDERED by the stage of any open fulfilment.
   */
  eligibleSales(statuses: string[], opts?: { includeInvalid?: boolean }): EligibleSale[];
  /** Save the state file now (no-op without stateFile). */
  saveState(): void;
  /** Where tracking webhooks go (undefined: none are sent). */
  setTrackingWebhook(target: TrackingWebhookTarget | undefined): void;
  /** Every tracking webhook sent, with the receiver's answer once it came. */
  webhookDeliveries(): WebhookDelivery[];
  /** Resolves when every tracking webhook sent so far was answered or failed. */
  webhooksIdle(): Promise<void>;
}

export interface EligibleSale {
  saleId: string;
  orderNumber: string;
  /** `Simple Sale` | `Advanced Sale`. */
  type: string;
  status: string;
  /** False when the sandbox knows the engine must refuse it (e.g. no street, no country). */
  valid: boolean;
  problems: string[];
  /**
   * Each fulfilment with its stage in sale-status words: PICKING, PICKED, PACKING, PACKED,
   * SHIPPING, SHIPPED, VOIDED, or the sale's status when nothing started.
   */
  fulfilments: { taskId: string; number: number; stage: string }[];
}

/** One Cin7 Core fulfilment's shipment as the sandbox holds it, keyed by TaskID in dearShipments(). */
export interface ShipmentView {
  status: string;
  lines: unknown[];
  saleId: string;
  orderNumber: string;
  fulfillmentNumber: number;
  /** Accepted ship POST/PUTs. */
  writes: number;
}
