/**
 * Documents for the language-server benchmark. Both servers get byte-identical text.
 *
 * Valid documents of 50 / 1,000 / 10,000 lines: the settings header plus every known Starshipit
 * courier mapped once (63 entries). Our server flags duplicate and unknown courier codes, so a
 * valid file cannot have thousands of mappings; the remaining lines are short `#` comment lines
 * between the entries (a heavily annotated file; short so 10,000 lines stay under our server's
 * 256 KB document cap). Both servers parse and walk the whole text on each edit.
 *
 * Broken documents: the 50-line document with one (or two) schema violations each.
 */
import { MAX_DOCUMENT_LENGTH } from '../../server/src/config/document';
import { KNOWN_COURIERS } from '../../server/src/config/schema';

export interface EditSite {
  line: number;
  /** Character range of the carrier value on that line. */
  start: number;
  end: number;
  value: string;
}

export interface BenchDocument {
  name: string;
  lines: number;
  text: string;
  /** Lines whose carrier value the edit loop rewrites. */
  editSites: EditSite[];
  /** Position right after `source: ` (completion of an enum value). */
  completionAt: { line: number; character: number };
}

const HEADER = [
  '# Dear Starshipit settings (benchmark document)',
  'dear:',
  '  apiVersion: 2',
  '  accountId: ${secret:DEAR_ACCOUNT_ID}',
  '  apiKey: ${secret:DEAR_API_KEY}',
  '  baseUrl: http://127.0.0.1:9/ExternalApi/v2/',
  '  rateLimit:',
  '    calls: 60',
  '    perSeconds: 60',
  '  pageSize: 1000',
  '  timeoutSeconds: 30',
  'starshipit:',
  '  apiKey: ${secret:STARSHIPIT_API_KEY}',
  '  subscriptionKey: ${secret:STARSHIPIT_SUBSCRIPTION_KEY}',
  '  baseUrl: http://127.0.0.1:9',
  '  plan: developer',
  '  timeoutSeconds: 30',
  'import:',
  '  statuses: [ORDERED, PICKED, PACKED]',
  '  source: sales',
  '  memo: none',
  '  orderNote: false',
  '  contactAsCompany: false',
  '  propagateChanges: false',
  '  onCancelled: attention',
  'engine:',
  '  stateDir: .dear-starshipit',
  '  concurrency: 2',
  '  maxRetries: 5',
  'writeback:',
  '  enabled: true',
  '  when: labelPrinted',
  '  defaultCarrier: DEFAULT Carrier',
  '  autoPickPack: false',
  '  courierMappings:',
];

export function validDocument(lines: number): BenchDocument {
  const out = [...HEADER];
  const sourceLine = out.findIndex((l) => l.startsWith('  source: '));
  const mappings = KNOWN_COURIERS.filter(
    ([code, name]) => name !== 'DEFAULT Carrier' && code.length > 0,
  );
  const room = lines - out.length;
  // As many entries as fit (2 lines each); spread the remaining lines as comments between them.
  const entries = Math.max(1, Math.min(mappings.length, Math.floor(room / 2)));
  const commentLines = room - entries * 2;
  const editSites: EditSite[] = [];
  for (let i = 0; i < entries; i++) {
    const comments =
      Math.floor((commentLines * (i + 1)) / entries) - Math.floor((commentLines * i) / entries);
    // Short comments: a 10,000-line file must stay under the server's document size cap.
    for (let c = 0; c < comments; c++) out.push(`    # rate ${i + 1}.${c + 1} ok`);
    const [code, name] = mappings[i];
    out.push(`    - courier: ${code}`);
    const carrier = `${name} (mapped)`;
    const prefix = '      carrier: ';
    editSites.push({
      line: out.length,
      start: prefix.length,
      end: prefix.length + carrier.length,
      value: carrier,
    });
    out.push(`${prefix}${carrier}`);
  }
  const text = `${out.join('\n')}\n`;
  if (text.length >= MAX_DOCUMENT_LENGTH)
    throw new Error(
      `bench document of ${lines} lines is ${text.length} bytes, over the language server's ${MAX_DOCUMENT_LENGTH}-byte cap`,
    );
  return {
    name: `valid-${lines}`,
    lines: out.length,
    text,
    editSites,
    completionAt: { line: sourceLine, character: '  source: '.length },
  };
}

export interface BrokenDocument {
  name: string;
  text: string;
  /** What is wrong, for the printed mismatch list. */
  what: string;
}

/** Each entry replaces one line of the 50-line document (matched by its start) or inserts lines. */
const BREAKAGES: { name: string; what: string; edit: (lines: string[]) => void }[] = [
  {
    name: 'calls-not-number',
    what: 'dear.rateLimit.calls is a string',
    edit: (l) => set(l, '    calls: 60', '    calls: sixty'),
  },
  {
    name: 'pagesize-too-big',
    what: 'dear.pageSize above its maximum',
    edit: (l) => set(l, '  pageSize: 1000', '  pageSize: 5000'),
  },
  {
    name: 'status-typo',
    what: 'unknown sale status in import.statuses',
    edit: (l) =>
      set(l, '  statuses: [ORDERED, PICKED, PACKED]', '  statuses: [ORDERED, PICKED, SHIPED]'),
  },
  {
    name: 'source-enum',
    what: 'import.source not one of sales/fulfilments',
    edit: (l) => set(l, '  source: sales', '  source: orders'),
  },
  {
    name: 'unknown-top-level',
    what: 'unknown top-level key',
    edit: (l) => l.splice(1, 0, 'webhooks:', '  enabled: true'),
  },
  {
    name: 'unknown-nested',
    what: 'misspelt key inside starshipit',
    edit: (l) => set(l, '  plan: developer', '  plann: developer'),
  },
  {
    name: 'missing-courier',
    what: 'courier mapping without courier',
    edit: (l) => removeFirst(l, '    - courier: ', '    - '),
  },
  {
    name: 'concurrency-zero',
    what: 'engine.concurrency below its minimum',
    edit: (l) => set(l, '  concurrency: 2', '  concurrency: 0'),
  },
  {
    name: 'enabled-string',
    what: 'writeback.enabled is a string',
    edit: (l) => set(l, '  enabled: true', '  enabled: "yes"'),
  },
  {
    name: 'baseurl-pattern',
    what: 'dear.baseUrl is not a URL',
    edit: (l) => set(l, '  baseUrl: http://127.0.0.1:9/ExternalApi/v2/', '  baseUrl: not a url'),
  },
  {
    name: 'plan-enum',
    what: 'starshipit.plan not developer/production',
    edit: (l) => set(l, '  plan: developer', '  plan: enterprise'),
  },
  {
    name: 'mappings-not-array',
    what: 'courierMappings is a string',
    edit: (l) => {
      const i = l.indexOf('  courierMappings:');
      l.splice(i, l.length - i, '  courierMappings: AusPost');
    },
  },
  {
    name: 'timeout-negative',
    what: 'dear.timeoutSeconds not > 0',
    edit: (l) => set(l, '  timeoutSeconds: 30', '  timeoutSeconds: -1'),
  },
  {
    name: 'memo-boolean',
    what: 'import.memo is a boolean',
    edit: (l) => set(l, '  memo: none', '  memo: true'),
  },
  {
    name: 'mapping-extra-key',
    what: 'courier mapping with a misspelt key',
    edit: (l) => {
      const i = l.findIndex((x) => x.startsWith('      carrier: '));
      l[i] = l[i].replace('carrier:', 'carier:');
    },
  },
  {
    name: 'apikey-empty',
    what: 'dear.apiKey is empty',
    edit: (l) => set(l, '  apiKey: ${secret:DEAR_API_KEY}', '  apiKey: ""'),
  },
  {
    name: 'retries-fraction',
    what: 'engine.maxRetries not an integer',
    edit: (l) => set(l, '  maxRetries: 5', '  maxRetries: 2.5'),
  },
  {
    name: 'ratelimit-missing',
    what: 'dear.rateLimit without perSeconds',
    edit: (l) => removeFirst(l, '    perSeconds: 60'),
  },
  {
    name: 'import-array',
    what: 'import is a list',
    edit: (l) => {
      const i = l.indexOf('import:');
      const j = l.indexOf('engine:');
      l.splice(i, j - i, 'import: [ORDERED]');
    },
  },
  {
    name: 'two-errors',
    what: 'two violations in one file',
    edit: (l) => {
      set(l, '  pageSize: 1000', '  pageSize: 0');
      set(l, '  when: labelPrinted', '  when: printed');
    },
  },
  {
    name: 'apiversion-enum',
    what: 'dear.apiVersion not 1 or 2',
    edit: (l) => set(l, '  apiVersion: 2', '  apiVersion: 3'),
  },
  {
    name: 'statuses-scalar',
    what: 'import.statuses is a number',
    edit: (l) => set(l, '  statuses: [ORDERED, PICKED, PACKED]', '  statuses: 5'),
  },
];

function set(lines: string[], from: string, to: string): void {
  const i = lines.indexOf(from);
  if (i < 0) throw new Error(`broken-document generator: line "${from}" not found`);
  lines[i] = to;
}

function removeFirst(lines: string[], prefix: string, replacement?: string): void {
  const i = lines.findIndex((l) => l.startsWith(prefix));
  if (i < 0) throw new Error(`broken-document generator: no line starts with "${prefix}"`);
  // Replacing "- courier: X" by "- " would leave an empty item; keep the carrier line as the item.
  if (replacement !== undefined && lines[i + 1]?.startsWith('      carrier: ')) {
    lines.splice(i, 2, `${replacement}${lines[i + 1].trim()}`);
    return;
  }
  lines.splice(i, 1);
}

export function brokenDocuments(): BrokenDocument[] {
  const base = validDocument(50).text.replace(/\n$/, '').split('\n');
  return BREAKAGES.map((b) => {
    const lines = [...base];
    b.edit(lines);
    return { name: b.name, what: b.what, text: `${lines.join('\n')}\n` };
  });
}
