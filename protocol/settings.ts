/**
 * The validated shape of `dear-starshipit.yaml` — the contract between the config core (which
 * produces it from YAML + JSON Schema + semantic rules) and the engine (which consumes it).
 *
 * Values that may be credential references (`${env:NAME}` / `${secret:NAME}`) are kept as written
 * here; `resolveCredentials` in the engine resolves them into separate `Credentials` right before a
 * run, so secrets never sit in a settings object that could be logged.
 */

/** Cin7 Core sale `Status` values. */
export const SALE_STATUSES = [
  'DRAFT',
  'VOIDED',
  'ESTIMATING',
  'ESTIMATED',
  'ORDERING',
  'ORDERED',
  'BACKORDERED',
  'PICKING',
  'PICKED',
  'PACKING',
  'PACKED',
  'SHIPPING',
  'INVOICING',
  'INVOICED',
  'CREDITED',
  'COMPLETED',
] as const;
export type SaleStatus = (typeof SALE_STATUSES)[number];

export interface RateLimit {
  /** Calls allowed in one window. */
  calls: number;
  /** Window length in seconds; may be fractional so the engine can match a time-scaled sandbox. */
  perSeconds: number;
}

export type MemoSource = 'none' | 'quote' | 'order' | 'invoice';
export type ImportSource = 'sales' | 'fulfilments';
export type WritebackWhen = 'labelPrinted' | 'dispatched';
export type StarshipitPlan = 'developer' | 'production';
/** What to do with an imported, still-unshipped order whose sale was voided/credited. */
export type OnCancelled = 'attention' | 'withdraw';

export interface CourierMapping {
  /** Starshipit carrier code, e.g. `AusPost`. */
  courier: string;
  /** Carrier name as defined in Cin7 Core (`ref/carrier` Description). */
  carrier: string;
}

/** What an international order lacking customs data on any line becomes. */
export type CustomsPolicy = 'warn' | 'hold';

export interface CustomsSettings {
  /** Read HS code, country of origin and weight from a product cache for international orders. */
  enabled: boolean;
  /** Where orders ship from: a sale is international when its destination country differs. */
  senderCountry?: string;
  onMissing: CustomsPolicy;
}

/** One `import.shippingRules` entry: a Cin7 shipping method → a Starshipit courier and service. */
export interface ShippingRule {
  /** The sale's `Carrier` text (shipping method), matched without regard to case and outer spaces. */
  method: string;
  /** Starshipit carrier code, e.g. `AusPost`. */
  courier: string;
  /** Starshipit carrier service (product) code, e.g. `3J55`. */
  service?: string;
  signatureRequired?: boolean;
  authorityToLeave?: boolean;
}

/** The name of the `starshipit` section's account in routes and journal entries. */
export const DEFAULT_ACCOUNT = 'default';

/** Another Starshipit account (a child account per warehouse), with its own keys and limiter. */
export interface StarshipitAccountSettings {
  name: string;
  apiKey: string;
  subscriptionKey: string;
  /** Plan of this account; the `starshipit` section's plan when absent. */
  plan?: StarshipitPlan;
  rateLimit?: RateLimit;
}

export interface WarehouseRoute {
  /** Cin7 Core location name (the sale's `Location`). */
  location: string;
  /** `default`, or the name of a `warehouses.accounts` entry. */
  account: string;
}

export interface WarehouseSettings {
  /** Import only sales whose `Location` is one of these; empty: every location. */
  locations: string[];
  accounts: StarshipitAccountSettings[];
  routes: WarehouseRoute[];
  /** A sale whose location has no route: the default account, or skipped with the reason. */
  unrouted: 'default' | 'skip';
}

export interface DearSettings {
  dear: {
    apiVersion: 1 | 2;
    accountId: string;
    apiKey: string;
    baseUrl: string;
    rateLimit: RateLimit;
    /** saleList page size, 1..1000. */
    pageSize: number;
    /** Per-request timeout in seconds. */
    timeoutSeconds: number;
  };
  starshipit: {
    apiKey: string;
    subscriptionKey: string;
    baseUrl: string;
    plan: StarshipitPlan;
    /** Overrides the plan's rate when present. */
    rateLimit?: RateLimit;
    timeoutSeconds: number;
  };
  import: {
    statuses: SaleStatus[];
    source: ImportSource;
    memo: MemoSource;
    orderNote: boolean;
    contactAsCompany: boolean;
    /** Drop-ship order lines become Starshipit items (by default they are left out: not our parcels). */
    includeDropShip: boolean;
    /** Only sales updated on/after this ISO date are considered on the first run (cursor start). */
    since?: string;
    /** Keep unshipped Starshipit orders equal to a fresh import when the sale changes. */
    propagateChanges: boolean;
    onCancelled: OnCancelled;
    customs: CustomsSettings;
    shippingRules: ShippingRule[];
  };
  warehouses: WarehouseSettings;
  writeback: {
    enabled: boolean;
    when: WritebackWhen;
    defaultCarrier: string;
    autoPickPack: boolean;
    courierMappings: CourierMapping[];
  };
  engine: {
    /** State directory, relative to the settings file. */
    stateDir: string;
    /** Max concurrent HTTP requests per API (p-limit). */
    concurrency: number;
    /** Retries for transient failures before an item goes to "needs attention". */
    maxRetries: number;
  };
  /** `dear-starshipit serve` only (always filled in by the config core; optional for callers). */
  service?: ServiceSettings;
  alerts?: AlertSettings;
}

export interface ServiceSettings {
  importEverySeconds: number;
  writebackEverySeconds: number;
  /** `host:port` of the health, metrics and webhook listener. */
  listen: string;
  /** Failed runs of one kind in a row that make `/healthz` unhealthy and send an alert. */
  failuresInARow: number;
  trackingWebhooks: boolean;
  /** Credential reference (or value) of the Starshipit webhook secret; absent: unsigned accepted. */
  webhookSecret?: string;
  webhookMaxBytes: number;
}

export interface AlertSettings {
  /** Credential reference (or value) of the incoming-webhook URL; absent: no alerts. */
  webhook?: string;
  intervalSeconds: number;
}

export const DEFAULT_DEAR_BASE_URL = 'https://inventory.dearsystems.com/ExternalApi/v2/';
export const DEFAULT_DEAR_V1_BASE_URL = 'https://inventory.dearsystems.com/ExternalApi/';
export const DEFAULT_STARSHIPIT_BASE_URL = 'https://api.starshipit.com';
export const DEFAULT_CARRIER = 'DEFAULT Carrier';
export const PLAN_RATES: Record<StarshipitPlan, RateLimit> = {
  developer: { calls: 2, perSeconds: 1 },
  production: { calls: 20, perSeconds: 1 },
};

/** Matches `${env:NAME}` and `${secret:NAME}` (NAME: letters, digits, `_`, `-`, `.`). */
export const CREDENTIAL_REF = /^\$\{(env|secret):([A-Za-z0-9_.-]+)\}$/;

/** A credential reference written in a setting, e.g. `${secret:DEAR_API_KEY}`. */
export interface CredentialReference {
  kind: 'env' | 'secret';
  name: string;
}

/** The reference a setting's value is, or undefined for a plain value. */
export function credentialReference(value: unknown): CredentialReference | undefined {
  const match = typeof value === 'string' ? CREDENTIAL_REF.exec(value) : null;
  return match ? { kind: match[1] as 'env' | 'secret', name: match[2] } : undefined;
}

/**
 * Why `dear.apiVersion: 1` is refused, in the words both the language server (diagnostic
 * `api-v1-unsupported`) and the engine (the run's configuration error) use. The public v1
 * reference (test/contract/cin7-v1/) documents only the connection, the `SaleList` URL with
 * `Page`/`Limit`, and the body for creating a sale: no answer shape for reading a sale list or a
 * sale, and no shipment route for writing tracking back.
 */
export const API_V1_UNSUPPORTED =
  'Cin7 Core API version 1 is not supported because its public reference documents no answer shape for reading sales (SaleList rows, a sale with lines and shipping address) and no route for writing tracking back. Set dear.apiVersion to 2 with a …/ExternalApi/v2/ base URL (the same account ID and key work for both versions).';

/** Environment variable prefix the CLI and the language server read `${secret:NAME}` from. */
export const SECRET_ENV_PREFIX = 'DEAR_STARSHIPIT_SECRET_';
