/**
 * `doctor --save-samples DIR`: the answers the doctor observed, fit to attach to a bug report.
 * Personal data (names, addresses, phones, emails, free-text notes, memos and comments) is masked
 * field by field —
 * empty and null values stay as they were, because a missing field is often the bug — and every
 * credential value is scrubbed from the final text (protocol/redact.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ObservedResponse } from './apiRunner';
import { DEFAULT_ACCOUNT } from '../../../protocol/settings';

const MASK = '«masked»';

/** Keys whose text is personal wherever they appear (compared lower-case, `_` removed). */
const PERSONAL_KEYS = new Set([
  'customer',
  'contact',
  'phone',
  'mobile',
  'email',
  'company',
  'building',
  'street',
  'suburb',
  'city',
  'state',
  'postcode',
  'line1',
  'line2',
  'displayaddressline1',
  'displayaddressline2',
  'note',
  'notes',
  'memo',
  'comment',
  'shippingnotes',
  'deliveryinstructions',
  'salesrepresentative',
  'customercontactname',
  'customercontactemail',
  'customername',
]);

/** Keys whose whole value is an address or a person: every text inside is masked. */
const PERSONAL_OBJECTS = new Set([
  'billingaddress',
  'shippingaddress',
  'destination',
  'senderdetails',
  'addresses',
]);

/** Inside a personal object these stay readable: they identify a shape, not a person. */
const KEPT_IN_PERSONAL = new Set(['country', 'countrycode', 'id', 'shiptoother']);

/** Arrays of products and parcels: their `name` is a product name, not a person. */
const PRODUCT_ARRAYS = new Set(['lines', 'items', 'packages', 'additionalcharges', 'carrierlist']);

const norm = (key: string): string => key.toLowerCase().replace(/_/g, '');

function maskText(value: unknown): unknown {
  return typeof value === 'string' && value.trim() !== '' ? MASK : value;
}

function maskAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAll);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, x]) => [k, KEPT_IN_PERSONAL.has(norm(k)) ? x : maskAll(x)]),
    );
  return maskText(value);
}

/** A copy of `json` with personal fields masked. `inProducts`: inside a line/item array. */
function maskPersonalData(json: unknown, inProducts = false): unknown {
  if (Array.isArray(json)) return json.map((x) => maskPersonalData(x, inProducts));
  if (!json || typeof json !== 'object') return json;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const normalised = norm(key);
    if (PERSONAL_OBJECTS.has(normalised)) out[key] = maskAll(value);
    else if (PERSONAL_KEYS.has(normalised) || (normalised === 'name' && !inProducts))
      out[key] = maskAll(value);
    else out[key] = maskPersonalData(value, inProducts || PRODUCT_ARRAYS.has(normalised));
  }
  return out;
}

/** Response headers worth keeping: content type and anything about rate limits. */
function keptHeaders(headers: ObservedResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    if (k === 'content-type' || k === 'retry-after' || k.startsWith('x-ratelimit'))
      out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function bodyOf(text: string): unknown {
  try {
    return maskPersonalData(JSON.parse(text));
  } catch {
    // Not JSON (an HTML page, plain-text 403): kept as text, scrubbed of secrets below.
    return text;
  }
}

export interface ObservedCall extends ObservedResponse {
  api: 'dear' | 'starshipit';
  /** The Starshipit account that answered (`default` or a `warehouses.accounts` name). */
  account?: string;
}

/** `cin7`, `starshipit`, or `starshipit-nz` for another account than `default`. */
function sourceTag(call: ObservedCall): string {
  if (call.api === 'dear') return 'cin7';
  if (!call.account || call.account === DEFAULT_ACCOUNT) return 'starshipit';
  return `starshipit-${call.account.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

/** `Cin7 Core`, `Starshipit`, or `Starshipit account nz`. */
function sourceName(call: ObservedCall): string {
  if (call.api === 'dear') return 'Cin7 Core';
  return call.account && call.account !== DEFAULT_ACCOUNT
    ? `Starshipit account ${call.account}`
    : 'Starshipit';
}

/** Writes one file per observed answer into `dir`; returns the file names. */
export function writeSamples(
  dir: string,
  calls: readonly ObservedCall[],
  scrub: (text: string) => string,
): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  calls.forEach((observedCall, i) => {
    const endpoint = observedCall.call
      .split('?')[0]
      .replace(/^\/(ExternalApi\/v2|api)\//i, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    const name = `${String(i + 1).padStart(2, '0')}-${sourceTag(observedCall)}-${endpoint || 'root'}.json`;
    const sample = {
      source: `observed by dear-starshipit doctor (${sourceName(observedCall)}); personal data masked, credentials scrubbed`,
      request: { method: observedCall.method, call: observedCall.call },
      status: observedCall.status,
      headers: keptHeaders(observedCall.headers),
      latencyMs: observedCall.latencyMs,
      body: bodyOf(observedCall.text),
    };
    fs.writeFileSync(path.join(dir, name), scrub(JSON.stringify(sample, null, 2)) + '\n');
    files.push(name);
  });
  return files;
}
