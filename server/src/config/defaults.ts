/**
 * Turns validated settings data into `DearSettings` with every default applied. The defaults here
 * mirror the schema's `default` values (a unit test keeps them equal).
 */
import {
  DEFAULT_CARRIER,
  DEFAULT_DEAR_BASE_URL,
  DEFAULT_DEAR_V1_BASE_URL,
  DEFAULT_STARSHIPIT_BASE_URL,
  type CustomsSettings,
  type DearSettings,
  type SaleStatus,
  type ShippingRule,
  type StarshipitAccountSettings,
  type WarehouseRoute,
  type WarehouseSettings,
} from '../../../protocol/settings';
import { splitStatusString } from './rules/importRules';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
function pick<T>(value: unknown, fallback: T): T {
  return value === undefined || value === null ? fallback : (value as T);
}

export const DEFAULTS = {
  dear: {
    apiVersion: 2,
    rateLimit: { calls: 60, perSeconds: 60 },
    pageSize: 1000,
    timeoutSeconds: 30,
  },
  starshipit: { baseUrl: DEFAULT_STARSHIPIT_BASE_URL, plan: 'developer', timeoutSeconds: 30 },
  import: {
    source: 'sales',
    memo: 'none',
    orderNote: false,
    contactAsCompany: false,
    includeDropShip: false,
    propagateChanges: true,
    onCancelled: 'attention',
    customs: { enabled: false, onMissing: 'warn' },
    shippingRules: [],
  },
  warehouses: { locations: [], accounts: [], routes: [], unrouted: 'default' },
  writeback: {
    enabled: true,
    when: 'labelPrinted',
    defaultCarrier: DEFAULT_CARRIER,
    autoPickPack: true,
    courierMappings: [],
  },
  engine: { stateDir: '.dear-starshipit', concurrency: 2, maxRetries: 5 },
  service: {
    importEverySeconds: 300,
    writebackEverySeconds: 60,
    listen: '127.0.0.1:9464',
    failuresInARow: 3,
    trackingWebhooks: false,
    webhookMaxBytes: 16384,
  },
  alerts: { intervalSeconds: 300 },
} as const;

/** Statuses in canonical form: upper case, no duplicates, from either the list or the "A;B" string. */
function normalizeStatuses(value: unknown): SaleStatus[] {
  const raw = Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string'
      ? splitStatusString(value).map((p) => p.text)
      : [];
  return [...new Set(raw.map((s) => s.toUpperCase()))] as SaleStatus[];
}

function warehousesFrom(warehouses: Obj): WarehouseSettings {
  const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  return {
    locations: list<string>(warehouses.locations).map(String),
    accounts: list<StarshipitAccountSettings>(warehouses.accounts).map((a) => ({ ...a })),
    routes: list<WarehouseRoute>(warehouses.routes).map((route) => ({
      location: route.location,
      account: route.account,
    })),
    unrouted: pick(warehouses.unrouted, DEFAULTS.warehouses.unrouted),
  };
}

function customsFrom(customs: Obj): CustomsSettings {
  return {
    enabled: pick(customs.enabled, DEFAULTS.import.customs.enabled),
    ...(typeof customs.senderCountry === 'string' ? { senderCountry: customs.senderCountry } : {}),
    onMissing: pick(customs.onMissing, DEFAULTS.import.customs.onMissing),
  };
}

export function applyDefaults(data: unknown): DearSettings {
  const root = obj(data);
  return {
    dear: dearFrom(obj(root.dear)),
    starshipit: starshipitFrom(obj(root.starshipit)),
    import: importFrom(obj(root.import)),
    warehouses: warehousesFrom(obj(root.warehouses)),
    writeback: writebackFrom(obj(root.writeback)),
    engine: engineFrom(obj(root.engine)),
    service: serviceFrom(obj(root.service)),
    alerts: alertsFrom(obj(root.alerts)),
  };
}

type RateLimit = { calls: number; perSeconds: number };

/** The base URL's default follows the API version. */
function dearFrom(dear: Obj): DearSettings['dear'] {
  const apiVersion = pick<1 | 2>(dear.apiVersion, DEFAULTS.dear.apiVersion);
  return {
    apiVersion,
    accountId: String(dear.accountId),
    apiKey: String(dear.apiKey),
    baseUrl: pick(
      dear.baseUrl,
      apiVersion === 1 ? DEFAULT_DEAR_V1_BASE_URL : DEFAULT_DEAR_BASE_URL,
    ),
    rateLimit: { ...pick(dear.rateLimit as RateLimit | undefined, DEFAULTS.dear.rateLimit) },
    pageSize: pick(dear.pageSize, DEFAULTS.dear.pageSize),
    timeoutSeconds: pick(dear.timeoutSeconds, DEFAULTS.dear.timeoutSeconds),
  };
}

/** Without a rate limit the engine uses the plan's. */
function starshipitFrom(starshipit: Obj): DearSettings['starshipit'] {
  const rateLimit = starshipit.rateLimit ? { ...(starshipit.rateLimit as RateLimit) } : undefined;
  return {
    apiKey: String(starshipit.apiKey),
    subscriptionKey: String(starshipit.subscriptionKey),
    baseUrl: pick(starshipit.baseUrl, DEFAULTS.starshipit.baseUrl),
    plan: pick(starshipit.plan, DEFAULTS.starshipit.plan),
    ...(rateLimit ? { rateLimit } : {}),
    timeoutSeconds: pick(starshipit.timeoutSeconds, DEFAULTS.starshipit.timeoutSeconds),
  };
}

function importFrom(section: Obj): DearSettings['import'] {
  const defaults = DEFAULTS.import;
  return {
    statuses: normalizeStatuses(section.statuses),
    source: pick(section.source, defaults.source),
    memo: pick(section.memo, defaults.memo),
    orderNote: pick(section.orderNote, defaults.orderNote),
    contactAsCompany: pick(section.contactAsCompany, defaults.contactAsCompany),
    includeDropShip: pick(section.includeDropShip, defaults.includeDropShip),
    ...(typeof section.since === 'string' ? { since: section.since } : {}),
    propagateChanges: pick(section.propagateChanges, defaults.propagateChanges),
    onCancelled: pick(section.onCancelled, defaults.onCancelled),
    customs: customsFrom(obj(section.customs)),
    shippingRules: (pick(section.shippingRules, []) as ShippingRule[]).map((rule) => ({
      ...rule,
    })),
  };
}

function writebackFrom(writeback: Obj): DearSettings['writeback'] {
  const mappings = pick(writeback.courierMappings, []) as { courier: string; carrier: string }[];
  return {
    enabled: pick(writeback.enabled, DEFAULTS.writeback.enabled),
    when: pick(writeback.when, DEFAULTS.writeback.when),
    defaultCarrier: pick(writeback.defaultCarrier, DEFAULTS.writeback.defaultCarrier),
    autoPickPack: pick(writeback.autoPickPack, DEFAULTS.writeback.autoPickPack),
    courierMappings: mappings.map((mapping) => ({
      courier: mapping.courier,
      carrier: mapping.carrier,
    })),
  };
}

function engineFrom(engine: Obj): DearSettings['engine'] {
  return {
    stateDir: pick(engine.stateDir, DEFAULTS.engine.stateDir),
    concurrency: pick(engine.concurrency, DEFAULTS.engine.concurrency),
    maxRetries: pick(engine.maxRetries, DEFAULTS.engine.maxRetries),
  };
}

function serviceFrom(service: Obj): DearSettings['service'] {
  const defaults = DEFAULTS.service;
  return {
    importEverySeconds: pick(service.importEverySeconds, defaults.importEverySeconds),
    writebackEverySeconds: pick(service.writebackEverySeconds, defaults.writebackEverySeconds),
    listen: pick(service.listen, defaults.listen),
    failuresInARow: pick(service.failuresInARow, defaults.failuresInARow),
    trackingWebhooks: pick(service.trackingWebhooks, defaults.trackingWebhooks),
    ...(typeof service.webhookSecret === 'string' ? { webhookSecret: service.webhookSecret } : {}),
    webhookMaxBytes: pick(service.webhookMaxBytes, defaults.webhookMaxBytes),
  };
}

function alertsFrom(alerts: Obj): DearSettings['alerts'] {
  return {
    ...(typeof alerts.webhook === 'string' ? { webhook: alerts.webhook } : {}),
    intervalSeconds: pick(alerts.intervalSeconds, DEFAULTS.alerts.intervalSeconds),
  };
}
