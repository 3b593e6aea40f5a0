/** Loading the contract samples and comparing JSON documents by the paths they hold. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ContractSample {
  file: string;
  api: 'cin7' | 'starshipit';
  request: {
    method: string;
    path: string;
    query?: Record<string, string>;
    body?: unknown;
  };
  response: { status: number; body: unknown };
  /** Paths the engine reads from the answer (`a.b[].c`); the sandbox must serve each of them. */
  engineReads?: string[];
  /** Paths that must not be in the answer (e.g. packages on a flat shipped row). */
  absent?: string[];
  sandboxSwitch?: Record<string, string>;
  source: string[];
  notes: string;
}

export const SAMPLES_DIR = path.resolve(__dirname, '../../../test/contract/samples');

export function loadSamples(): ContractSample[] {
  return fs
    .readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      ...(JSON.parse(fs.readFileSync(path.join(SAMPLES_DIR, file), 'utf8')) as Omit<
        ContractSample,
        'file'
      >),
    }));
}

export type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export function jsonType(v: unknown): JsonType {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonType;
}

/** Every path in a document with the JSON types seen there (`Lines[].Box` → {string}). */
export function pathsOf(doc: unknown): Map<string, Set<JsonType>> {
  const out = new Map<string, Set<JsonType>>();
  const visit = (v: unknown, at: string) => {
    if (at) {
      const types = out.get(at) ?? new Set<JsonType>();
      types.add(jsonType(v));
      out.set(at, types);
    }
    if (Array.isArray(v)) for (const x of v) visit(x, `${at}[]`);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) visit(x, at ? `${at}.${k}` : k);
  };
  visit(doc, '');
  return out;
}

/**
 * Values at a path. `vacuous` is true when an array on the way was empty everywhere, so the
 * document can hold no value there (e.g. pack lines of an order not packed yet).
 */
export function valuesAt(doc: unknown, at: string): { values: unknown[]; vacuous: boolean } {
  let current: unknown[] = [doc];
  let vacuous = false;
  for (const part of at.split('.')) {
    const many = part.endsWith('[]');
    const key = many ? part.slice(0, -2) : part;
    const next: unknown[] = [];
    for (const v of current) {
      if (!v || typeof v !== 'object' || Array.isArray(v)) continue;
      const x = (v as Record<string, unknown>)[key];
      if (x === undefined) continue;
      if (many) {
        if (Array.isArray(x)) next.push(...x);
      } else next.push(x);
    }
    if (many && next.length === 0 && current.length > 0 && !vacuous) {
      const hadArrays = current.some(
        (v) => v && typeof v === 'object' && Array.isArray((v as Record<string, unknown>)[key]),
      );
      if (hadArrays) vacuous = true;
    }
    current = next;
  }
  return { values: current, vacuous };
}

/** Problems with `actual` against what the sample says the engine reads (and must not find). */
export function conformance(sample: ContractSample, actual: unknown): string[] {
  const problems: string[] = [];
  for (const at of sample.engineReads ?? []) {
    const want = new Set(valuesAt(sample.response.body, at).values.map(jsonType));
    want.delete('null');
    const got = valuesAt(actual, at);
    if (got.values.length === 0) {
      if (!got.vacuous) problems.push(`${at}: missing`);
      continue;
    }
    for (const v of got.values) {
      const t = jsonType(v);
      if (t !== 'null' && want.size > 0 && !want.has(t))
        problems.push(`${at}: ${t}, the sample has ${[...want].join('|')}`);
    }
  }
  for (const at of sample.absent ?? [])
    if (valuesAt(actual, at).values.length > 0) problems.push(`${at}: present, must be absent`);
  return [...new Set(problems)];
}

/** Paths of `sent` that the sample's request body does not document. */
export function undocumentedPaths(sample: ContractSample, sent: unknown): string[] {
  const documented = pathsOf(sample.request.body);
  return [...pathsOf(sent).keys()].filter((p) => !documented.has(p));
}
