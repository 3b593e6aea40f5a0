/**
 * `npm start` / `dear-starshipit demo`: a tour on the built-in sandbox, in-process and time-scaled
 * (100× faster than the real APIs, with a matching rate limit), on a throwaway state directory:
 * preview (dry run) → import → print labels in "Starshipit" → writeback → summary, all verified
 * from the sandbox's own state. Exits 0 on a fresh machine in a few seconds.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineEvent, OrderEvent, SummaryEvent } from '../../../protocol/events';
import { summaryText } from '../../../protocol/eventText';
import { DEFAULT_ACCOUNT, SECRET_ENV_PREFIX, type DearSettings } from '../../../protocol/settings';
import { CREDENTIALS as SANDBOX_CREDENTIALS, startSandbox } from '../../../sandbox/src/index';
import type { Sandbox } from '../../../sandbox/src/api';
import { loadSettingsFile, RunSecrets, runWithSettings } from '../frontDoor';
import { errorMessage } from '../../../protocol/errorMessage';

const TIME_SCALE = 100;

/** The shipped sample; if it cannot be used (a bug elsewhere), the tour still runs on defaults. */
function sampleSettings(): { settings: DearSettings; source: string } {
  const candidates = [
    path.resolve(__dirname, '../samples/dear-starshipit.yaml'),
    path.resolve(__dirname, '../../../samples/dear-starshipit.yaml'),
    path.resolve('samples/dear-starshipit.yaml'),
  ];
  const file = candidates.find((f) => fs.existsSync(f));
  if (file) {
    const loaded = loadSettingsFile(file);
    if (loaded.ok) return { settings: loaded.settings, source: 'samples/dear-starshipit.yaml' };
    process.stderr.write(`demo: ${loaded.message} Using built-in settings.\n`);
  }
  const settings: DearSettings = {
    dear: {
      apiVersion: 2,
      accountId: '${secret:DEAR_ACCOUNT_ID}',
      apiKey: '${secret:DEAR_API_KEY}',
      baseUrl: 'http://127.0.0.1:4780/ExternalApi/v2/',
      rateLimit: { calls: 60, perSeconds: 60 },
      pageSize: 1000,
      timeoutSeconds: 30,
    },
    starshipit: {
      apiKey: '${secret:STARSHIPIT_API_KEY}',
      subscriptionKey: '${secret:STARSHIPIT_SUBSCRIPTION_KEY}',
      baseUrl: 'http://127.0.0.1:4781',
      plan: 'developer',
      rateLimit: { calls: 2, perSeconds: 1 },
      timeoutSeconds: 30,
    },
    import: {
      statuses: ['ORDERED', 'PICKED', 'PACKED'],
      source: 'sales',
      memo: 'order',
      orderNote: true,
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
      defaultCarrier: 'DEFAULT Carrier',
      autoPickPack: true,
      courierMappings: [
        { courier: 'AusPost', carrier: 'Australia Post' },
        { courier: 'StarTrack', carrier: 'StarTrack' },
      ],
    },
    engine: { stateDir: '.dear-starshipit', concurrency: 2, maxRetries: 5 },
  };
  return { settings, source: 'built-in settings' };
}

const out = (text = ''): void => {
  process.stdout.write(text + '\n');
};

function describeOrder(order: OrderEvent): string {
  const destination = (order.starshipit.destination ?? {}) as Record<string, unknown>;
  const items = Array.isArray(order.starshipit.items)
    ? (order.starshipit.items as Record<string, unknown>[])
    : [];
  return `  ${order.orderNumber.padEnd(10)} ${String(destination.name ?? '')
    .slice(0, 22)
    .padEnd(
      22,
    )} ${[destination.suburb, destination.post_code, destination.country].filter(Boolean).join(' ').slice(0, 34).padEnd(34)} ${items
    .map((i) => `${String(i.quantity)}×${String(i.sku)}`)
    .join(' ')
    .slice(0, 30)}`;
}

/**
 * The follow-up printed at the end: each line works as printed from the project folder after
 * `npm ci` (`npx` finds the package's own binary there). The sandbox's fixed credentials are the
 * ones `npx dear-starshipit sandbox` prints; `samples/dear-starshipit.yaml` points at its ports.
 */
function nextStepsAfterDemo(): string[] {
  const creds = SANDBOX_CREDENTIALS;
  return [
    'Next, the same on a sandbox you can poke at:',
    '  npx dear-starshipit sandbox                 # in a second terminal; leave it running',
    `  export ${SECRET_ENV_PREFIX}DEAR_ACCOUNT_ID=${creds.dearAccountId} ${SECRET_ENV_PREFIX}DEAR_API_KEY=${creds.dearApiKey}`,
    `  export ${SECRET_ENV_PREFIX}STARSHIPIT_API_KEY=${creds.starshipitApiKey} ${SECRET_ENV_PREFIX}STARSHIPIT_SUBSCRIPTION_KEY=${creds.starshipitSubscriptionKey}`,
    `  export ${SECRET_ENV_PREFIX}STARSHIPIT_NZ_API_KEY=${creds.starshipitApiKey2} ${SECRET_ENV_PREFIX}STARSHIPIT_NZ_SUBSCRIPTION_KEY=${creds.starshipitSubscriptionKey2}`,
    '  npx dear-starshipit sync --dry-run --config samples/dear-starshipit.yaml',
    'With real accounts: npx dear-starshipit init',
  ];
}

/** What every demo step runs with: the sandbox, its settings and keys, a throw-away state folder. */
interface DemoRun {
  sb: Sandbox;
  settings: DearSettings;
  secrets: RunSecrets;
  stateDir: string;
}

export async function demoCommand(_args: string[]): Promise<number> {
  const started = Date.now();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dear-starshipit-demo-'));
  let sb: Sandbox | undefined;
  try {
    sb = await startSandbox({ sales: 60, seed: 1, timeScale: TIME_SCALE });
    const { settings, source } = sampleSettings();
    pointAtDemoSandbox(settings, sb);
    const demo: DemoRun = { sb, settings, secrets: sandboxSecrets(sb), stateDir };
    introduceDemo(demo, source);
    const preview = await previewStep(demo);
    await importStep(demo);
    const printed = printLabelsStep(demo, preview.planned);
    await writebackStep(demo);
    const verified = checkAgainstSandbox(demo, printed);
    out(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    for (const line of nextStepsAfterDemo()) out(line);
    return verified && preview.writesDuringPreview === 0 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`demo failed: ${errorMessage(err)}\n`);
    return 1;
  } finally {
    await sb?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * The sample points at the sandbox's fixed ports; the demo's sandbox uses free ports and runs
 * 100× faster, so the limits shrink to match (60 calls per 0.6 s is still "60 per 60 s").
 */
function pointAtDemoSandbox(settings: DearSettings, sb: Sandbox): void {
  settings.dear.baseUrl = sb.dearBaseUrl;
  settings.starshipit.baseUrl = sb.starshipitBaseUrl;
  settings.dear.rateLimit = {
    calls: settings.dear.rateLimit.calls,
    perSeconds: settings.dear.rateLimit.perSeconds / TIME_SCALE,
  };
  const starshipitLimit = settings.starshipit.rateLimit ?? { calls: 2, perSeconds: 1 };
  settings.starshipit.rateLimit = {
    calls: starshipitLimit.calls,
    perSeconds: starshipitLimit.perSeconds / TIME_SCALE,
  };
  for (const account of settings.warehouses.accounts)
    if (account.rateLimit)
      account.rateLimit = {
        calls: account.rateLimit.calls,
        perSeconds: account.rateLimit.perSeconds / TIME_SCALE,
      };
}

/** The sandbox's own keys, and nothing from the environment: the tour never reads real ones. */
function sandboxSecrets(sb: Sandbox): RunSecrets {
  const keys = sb.credentials;
  return new RunSecrets({
    secrets: {
      DEAR_ACCOUNT_ID: keys.dearAccountId,
      DEAR_API_KEY: keys.dearApiKey,
      STARSHIPIT_API_KEY: keys.starshipitApiKey,
      STARSHIPIT_SUBSCRIPTION_KEY: keys.starshipitSubscriptionKey,
      // The sample's second warehouse account is the sandbox's second Starshipit account.
      STARSHIPIT_NZ_API_KEY: keys.starshipitApiKey2,
      STARSHIPIT_NZ_SUBSCRIPTION_KEY: keys.starshipitSubscriptionKey2,
    },
    env: {},
  });
}

function introduceDemo({ sb, settings, stateDir }: DemoRun, source: string): void {
  out(
    `dear-starshipit demo — sandbox with ${sb.salesCount} sales, ${TIME_SCALE}× faster than the real APIs`,
  );
  out(`  Cin7 Core  ${sb.dearBaseUrl}`);
  out(`  Starshipit ${sb.starshipitBaseUrl}`);
  out(
    `  settings   ${source} (statuses ${settings.import.statuses.join(', ')}; memo ${settings.import.memo}; autoPickPack ${String(settings.writeback.autoPickPack)})`,
  );
  out(`  state      ${stateDir}`);
}

async function runDemoStep(
  demo: DemoRun,
  mode: 'import' | 'writeback' | 'sync',
  dryRun: boolean,
): Promise<{ summary: SummaryEvent; events: EngineEvent[] }> {
  const events: EngineEvent[] = [];
  const summary = await runWithSettings({
    settings: demo.settings,
    configPath: path.join(demo.stateDir, 'dear-starshipit.yaml'),
    stateDir: demo.stateDir,
    mode,
    dryRun,
    secrets: demo.secrets,
    onEvent: (event) => events.push(event),
  });
  return { summary, events };
}

async function previewStep(
  demo: DemoRun,
): Promise<{ planned: OrderEvent[]; writesDuringPreview: number }> {
  out('\n1. Preview (dry run: reads only, writes nothing to either API)');
  const dry = await runDemoStep(demo, 'import', true);
  const planned = dry.events.filter((e): e is OrderEvent => e.type === 'order');
  for (const event of planned.slice(0, 8)) out(describeOrder(event));
  if (planned.length > 8) out(`  … and ${planned.length - 8} more`);
  const skipCodes = new Map<string, number>();
  for (const event of dry.events)
    if (event.type === 'skip') skipCodes.set(event.code, (skipCodes.get(event.code) ?? 0) + 1);
  out(`  skipped: ${[...skipCodes].map(([code, n]) => `${n} ${code}`).join(', ') || 'none'}`);
  for (const event of dry.events)
    if (event.type === 'attention') out(`  needs attention: ${event.reason}`);
  out(
    `  estimate for the live run: ${dry.summary.estimate.dearCalls} Cin7 calls, about ${dry.summary.estimate.seconds} s at the configured limit (scaled)`,
  );
  const writesDuringPreview = demo.sb
    .callLog()
    .filter((e) => e.api !== 'control' && e.method !== 'GET').length;
  out(`  writes during the preview: ${writesDuringPreview}`);
  return { planned, writesDuringPreview };
}

async function importStep(demo: DemoRun): Promise<void> {
  out('\n2. Import (live)');
  const imported = await runDemoStep(demo, 'import', false);
  out(`  ${summaryText(imported.summary)}`);
  const secondImport = await runDemoStep(demo, 'import', false);
  out(
    `  a second run: ${secondImport.summary.created} created, ${secondImport.summary.skipped} skipped (already imported or not selected)`,
  );
}

interface PrintedLabel {
  orderNumber: string;
  carrier: string;
  tracking: string[];
}

function printLabelsStep(demo: DemoRun, planned: OrderEvent[]): PrintedLabel[] {
  out('\n3. Print labels in Starshipit (sandbox)');
  const printed: PrintedLabel[] = [];
  const carriers = ['AusPost', 'StarTrack', 'DHL', 'AusPost'];
  for (const event of planned) {
    if (printed.length >= carriers.length) break;
    const carrier = carriers[printed.length];
    const label = demo.sb.printLabel({
      // The sample's other warehouse account is the sandbox's second Starshipit account.
      account: event.account && event.account !== DEFAULT_ACCOUNT ? 'second' : 'default',
      orderNumber: event.orderNumber,
      carrier,
      trackingNumbers:
        printed.length === 0 ? [`${event.orderNumber}-P1`, `${event.orderNumber}-P2`] : undefined,
    });
    printed.push({ orderNumber: event.orderNumber, carrier, tracking: label.trackingNumbers });
    const where = event.account ? ` (Starshipit account ${event.account})` : '';
    out(
      `  ${event.orderNumber}${where}: ${carrier} label, tracking ${label.trackingNumbers.join(', ')}`,
    );
  }
  return printed;
}

async function writebackStep(demo: DemoRun): Promise<void> {
  out('\n4. Writeback (sync: writebacks first, then new sales)');
  const synced = await runDemoStep(demo, 'sync', false);
  for (const event of synced.events) {
    if (event.type !== 'writeback') continue;
    const lines = Array.isArray(event.dear.Lines)
      ? (event.dear.Lines as Record<string, unknown>[])
      : [];
    out(
      `  ${event.orderNumber} → Cin7 Core: carrier "${String(lines[0]?.Carrier ?? '')}", tracking ${lines.map((l) => String(l.TrackingNumber)).join(', ')}`,
    );
  }
  out(`  ${summaryText(synced.summary)}`);
}

/** No duplicate orders and every printed label written back once; true when both hold. */
function checkAgainstSandbox({ sb }: DemoRun, printed: PrintedLabel[]): boolean {
  out('\n5. Checked against the sandbox');
  const accounts = [sb.starshipitOrders(), sb.starshipitOrders('second')];
  const duplicates = accounts
    .flatMap((orders) => [...orders.values()])
    .filter((l) => l.length > 1).length;
  const orderCount = accounts.reduce((n, orders) => n + orders.size, 0);
  const ships = sb.dearShipments({ changedOnly: true });
  const shippedOnce = printed.filter((label) =>
    [...ships.values()].some(
      (s) => s.orderNumber === label.orderNumber && s.status === 'AUTHORISED' && s.writes === 1,
    ),
  ).length;
  out(
    `  Starshipit orders: ${orderCount} (${duplicates} duplicates), in ${accounts.length} accounts`,
  );
  out(`  labels written back to Cin7 Core exactly once: ${shippedOnce} of ${printed.length}`);
  out(
    `  Cin7 Core throttles caused: ${sb.callLog().filter((e) => e.api === 'dear' && e.status === 429).length}`,
  );
  return duplicates === 0 && shippedOnce === printed.length;
}
