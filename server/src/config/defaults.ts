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
function pick<T>(v: unknown, fallback: T): T {
  return v === undefined || v === null ? fallback : (v as T);
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
export function normalizeStatuses(value: unknown): SaleStatus[] {
  const raw = Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string'
      ? splitStatusString(value).map((p) => p.text)
      : [];
  return [...new Set(raw.map((s) => s.toUpperCase()))] as SaleStatus[];
}

function warehousesFrom(w: Obj): WarehouseSettings {
  const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  return {
    locations: list<string>(w.locations).map(String),
    accounts: list<StarshipitAccountSettings>(w.accounts).map((a) => ({ ...a })),
    routes: list<WarehouseRoute>(w.routes).map((r) => ({
      location: r.location,
      account: r.account,
    })),
    unrouted: pick(w.unrouted, DEFAULTS.warehouses.unrouted),
  };
}

function customsFrom(c: Obj): CustomsSettings {
  return {
    enabled: pick(c.enabled, DEFAULTS.import.customs.enabled),
    ...(typeof c.senderCountry === 'string' ? { senderCountry: c.senderCountry } : {}),
    onMissing: pick(c.onMissing, DEFAULTS.import.customs.onMissing),
  };
}

export function applyDefaults(data: unknown): DearSettings {
  const root = obj(data);
  const dear = obj(root.dear);
  const ss = obj(root.starshipit);
  const imp = obj(root.import);
  const wb = obj(root.writeback);
  const engine = obj(root.engine);
  const service = obj(root.service);
  const alerts = obj(root.alerts);
  const apiVersion = pick<1 | 2>(dear.apiVersion, DEFAULTS.dear.apiVersion);
  const ssRate = ss.rateLimit
    ? { ...(ss.rateLimit as { calls: number; perSeconds: number }) }
    : undefined;
  return {
    dear: {
      apiVersion,
      accountId: String(dear.accountId),
      apiKey: String(dear.apiKey),
      baseUrl: pick(
        dear.baseUrl,
        apiVersion === 1 ? DEFAULT_DEAR_V1_BASE_URL : DEFAULT_DEAR_BASE_URL,
      ),
      rateLimit: {
        ...pick(
          dear.rateLimit as { calls: number; perSeconds: number } | undefined,
          DEFAULTS.dear.rateLimit,
        ),
      },
      pageSize: pick(dear.pageSize, DEFAULTS.dear.pageSize),
      timeoutSeconds: pick(dear.timeoutSeconds, DEFAULTS.dear.timeoutSeconds),
    },
    starshipit: {
      apiKey: String(ss.apiKey),
      subscriptionKey: String(ss.subscriptionKey),
      baseUrl: pick(ss.baseUrl, DEFAULTS.starshipit.baseUrl),
      plan: pick(ss.plan, DEFAULTS.starshipit.plan),
      ...(ssRate ? { rateLimit: ssRate } : {}),
      timeoutSeconds: pick(ss.timeoutSeconds, DEFAULTS.starshipit.timeoutSeconds),
    },
    import: {
      statuses: normalizeStatuses(imp.statuses),
      source: pick(imp.source, DEFAULTS.import.source),
      memo: pick(imp.memo, DEFAULTS.import.memo),
      orderNote: pick(imp.orderNote, DEFAULTS.import.orderNote),
      contactAsCompany: pick(imp.contactAsCompany, DEFAULTS.import.contactAsCompany),
      includeDropShip: pick(imp.includeDropShip, DEFAULTS.import.includeDropShip),
      ...(typeof imp.since === 'string' ? { since: imp.since } : {}),
      propagateChanges: pick(imp.propagateChanges, DEFAULTS.import.propagateChanges),
      onCancelled: pick(imp.onCancelled, DEFAULTS.import.onCancelled),
      customs: customsFrom(obj(imp.customs)),
      shippingRules: (pick(imp.shippingRules, []) as ShippingRule[]).map((r) => ({ ...r })),
    },
    warehouses: warehousesFrom(obj(root.warehouses)),
    writeback: {
      enabled: pick(wb.enabled, DEFAULTS.writeback.enabled),
      when: pick(wb.when, DEFAULTS.writeback.when),
      defaultCarrier: pick(wb.defaultCarrier, DEFAULTS.writeback.defaultCarrier),
      autoPickPack: pick(wb.autoPickPack, DEFAULTS.writeback.autoPickPack),
      courierMappings: (pick(wb.courierMappings, []) as { courier: string; carrier: string }[]).map(
        (m) => ({ courier: m.courier, carrier: m.carrier }),
      ),
    },
    engine: {
      stateDir: pick(engine.stateDir, DEFAULTS.engine.stateDir),
      concurrency: pick(engine.concurrency, DEFAULTS.engine.concurrency),
      maxRetries: pick(engine.maxRetries, DEFAULTS.engine.maxRetries),
    },
    service: {
      importEverySeconds: pick(service.importEverySeconds, DEFAULTS.service.importEverySeconds),
      writebackEverySeconds: pick(
        service.writebackEverySeconds,
        DEFAULTS.service.writebackEverySeconds,
      ),
      listen: pick(service.listen, DEFAULTS.service.listen),
      failuresInARow: pick(service.failuresInARow, DEFAULTS.service.failuresInARow),
      trackingWebhooks: pick(service.trackingWebhooks, DEFAULTS.service.trackingWebhooks),
      ...(typeof service.webhookSecret === 'string'
        ? { webhookSecret: service.webhookSecret }
        : {}),
      webhookMaxBytes: pick(service.webhookMaxBytes, DEFAULTS.service.webhookMaxBytes),
    },
    alerts: {
      ...(typeof alerts.webhook === 'string' ? { webhook: alerts.webhook } : {}),
      intervalSeconds: pick(alerts.intervalSeconds, DEFAULTS.alerts.intervalSeconds),
    },
  };
}
