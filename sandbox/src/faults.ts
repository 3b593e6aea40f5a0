/**
 * Fault injection, deterministic by seed. Spec grammar (comma-separated rules, whitespace ignored):
 *
 *   RULE   := API ':' ROUTE ':' KIND ['=' ARG] { '@' PROB | '*' COUNT | '>' SKIP | '^' METHOD }
 *   API    := dear | starshipit | *
 *   ROUTE  := path below the API root, case-insensitive (`saleList`, `sale/fulfilment/ship`, `orders`,
 *             `orders/shipped`); `*` = any route; a trailing `*` is a prefix match (`sale/*`)
 *   KIND   := latency=MS[~JITTER]   delay before handling (uniform extra 0..JITTER ms)
 *           | slow=MS               apply the call, then answer after MS ms (default 35000): slower than a client timeout
 *           | NNN (e.g. 500, 503)   answer status NNN with the vendor's error body, do NOT apply the call
 *           | throttle              answer as the rate limiter would (a throttle storm), do NOT apply
 *           | reset                 destroy the connection before applying anything
 *           | commit-reset          apply the call, then destroy the connection instead of answering
 *           | html                  answer 200 text/html (a login/error page), do NOT apply
 *           | truncate             apply the call, answer its status with the JSON body cut in half
 *   PROB   := probability 0..1 per matching call (default 1), drawn from a per-rule PRNG seeded by
 *             (seed, rule position), so the same calls in the same order get the same faults
 *   COUNT  := inject at most COUNT times (default unlimited)
 *   SKIP   := let the first SKIP matching calls through untouched
 *   METHOD := only calls with this HTTP verb (GET, POST, PUT, DELETE)
 *
 * Example: `dear:saleList:500@0.1, starshipit:orders:commit-reset^POST*1, dear:*:latency=20~10`
 * Latency/slow values are real milliseconds and are NOT divided by the time scale.
 */
import { Rng, hash32 } from './rng';

export type FaultKind =
  'latency' | 'slow' | 'status' | 'throttle' | 'reset' | 'commit-reset' | 'html' | 'truncate';

export interface FaultRule {
  api: 'dear' | 'starshipit' | '*';
  route: string; // lowercased; may end with '*'
  kind: FaultKind;
  status?: number;
  ms?: number;
  jitter?: number;
  prob: number;
  count?: number;
  skip: number;
  method?: string;
  text: string;
}

export interface FaultDecision {
  /** Faults that change the outcome (at most one), plus an optional latency. */
  kind?: Exclude<FaultKind, 'latency'>;
  status?: number;
  delayMs: number;
  slowMs?: number;
  /** Label for the call log, e.g. `latency=12,reset`. */
  label?: string;
}

class FaultSpecError extends Error {}

export function parseFaultSpec(spec: string): FaultRule[] {
  const rules: FaultRule[] = [];
  for (const raw of spec.split(',')) {
    const text = raw.replace(/\s+/g, '');
    if (text) rules.push(parseFaultRule(text));
  }
  return rules;
}

/** One rule, `API:ROUTE:KIND[=ARG][modifiers]`, whitespace already removed. */
function parseFaultRule(text: string): FaultRule {
  const parts = text.split(':');
  if (parts.length !== 3)
    throw new FaultSpecError(
      `fault rule "${text}": expected API:ROUTE:KIND (e.g. dear:saleList:500@0.1)`,
    );
  const [apiRaw, routeRaw, rest] = parts;
  const api = apiRaw.toLowerCase();
  if (api !== 'dear' && api !== 'starshipit' && api !== '*')
    throw new FaultSpecError(`fault rule "${text}": API must be dear, starshipit or *`);
  const match = /^([a-z-]+|\d{3})(?:=([0-9.]+)(?:~([0-9.]+))?)?((?:[@*>^][A-Za-z0-9.]+)*)$/i.exec(
    rest,
  );
  if (!match) throw new FaultSpecError(`fault rule "${text}": cannot read KIND "${rest}"`);
  const [, kindRaw, arg, jitter, mods] = match;
  const rule: FaultRule = {
    api,
    route: routeRaw.toLowerCase().replace(/^\/+/, ''),
    kind: 'status',
    prob: 1,
    skip: 0,
    text,
  };
  if (/^\d{3}$/.test(kindRaw)) {
    rule.kind = 'status';
    rule.status = Number(kindRaw);
  } else setKind(rule, kindRaw, arg, jitter);
  for (const mod of mods.match(/[@*>^][A-Za-z0-9.]+/g) ?? []) applyModifier(rule, mod);
  return rule;
}

const NAMED_KINDS: FaultKind[] = [
  'latency',
  'slow',
  'throttle',
  'reset',
  'commit-reset',
  'html',
  'truncate',
];
const KIND_ALIASES: Record<string, FaultKind> = {
  'drop-after-write': 'commit-reset',
  'apply-then-reset': 'commit-reset',
};

/** A named KIND (not NNN) with its `=ARG` and `~JITTER`. */
function setKind(
  rule: FaultRule,
  kindRaw: string,
  arg: string | undefined,
  jitter: string | undefined,
): void {
  const kindName = kindRaw.toLowerCase();
  const alias = Object.hasOwn(KIND_ALIASES, kindName) ? KIND_ALIASES[kindName] : undefined;
  const kind = alias ?? NAMED_KINDS.find((known) => known === kindName);
  if (!kind)
    throw new FaultSpecError(
      `fault rule "${rule.text}": unknown kind "${kindRaw}" (latency, slow, NNN, throttle, reset, commit-reset, html, truncate)`,
    );
  rule.kind = kind;
  if (kind === 'latency') {
    if (arg === undefined) throw new FaultSpecError(`fault rule "${rule.text}": latency needs =MS`);
    rule.ms = Number(arg);
    rule.jitter = jitter === undefined ? 0 : Number(jitter);
  } else if (kind === 'slow') {
    rule.ms = arg === undefined ? 35_000 : Number(arg);
  }
}

/** `@PROB`, `*COUNT`, `>SKIP` or `^METHOD`. */
function applyModifier(rule: FaultRule, mod: string): void {
  const operand = mod.slice(1);
  if (mod[0] === '@') {
    rule.prob = Number(operand);
    if (!(rule.prob >= 0 && rule.prob <= 1))
      throw new FaultSpecError(`fault rule "${rule.text}": probability must be 0..1`);
  } else if (mod[0] === '*') rule.count = Number(operand);
  else if (mod[0] === '>') rule.skip = Number(operand);
  else rule.method = operand.toUpperCase();
  if (mod[0] !== '^' && !Number.isFinite(Number(operand)))
    throw new FaultSpecError(`fault rule "${rule.text}": "${mod}" is not a number`);
}

function routeMatches(pattern: string, route: string): boolean {
  if (pattern === '*' || pattern === '') return true;
  if (pattern.endsWith('*')) return route.startsWith(pattern.slice(0, -1));
  return route === pattern;
}

/** Holds the parsed rules and their per-rule dice and counters. */
export class FaultInjector {
  private rules: FaultRule[] = [];
  private dice: Rng[] = [];
  private seen: number[] = [];
  private injected: number[] = [];

  constructor(
    private readonly seed: number,
    spec = '',
  ) {
    this.set(spec);
  }

  set(spec: string): void {
    const rules = parseFaultSpec(spec);
    this.rules = rules;
    this.dice = rules.map((_, i) => new Rng(hash32(this.seed, 0xfa017, i)));
    this.seen = rules.map(() => 0);
    this.injected = rules.map(() => 0);
  }

  spec(): string {
    return this.rules.map((r) => r.text).join(',');
  }

  decide(api: 'dear' | 'starshipit', method: string, route: string): FaultDecision {
    const decision: FaultDecision = { delayMs: 0 };
    const labels: string[] = [];
    const lowerRoute = route.toLowerCase();
    this.rules.forEach((rule, i) => {
      if (rule.api !== '*' && rule.api !== api) return;
      if (rule.method && rule.method !== method) return;
      if (!routeMatches(rule.route, lowerRoute)) return;
      this.seen[i]++;
      if (this.seen[i] <= rule.skip) return;
      if (rule.count !== undefined && this.injected[i] >= rule.count) return;
      // The die is rolled for every eligible call so the sequence depends only on call order.
      const roll = this.dice[i].next();
      if (roll >= rule.prob) return;
      if (rule.kind === 'latency') {
        const extra = rule.jitter ? this.dice[i].next() * rule.jitter : 0;
        decision.delayMs += Math.round((rule.ms ?? 0) + extra);
        labels.push(`latency=${Math.round((rule.ms ?? 0) + extra)}`);
        this.injected[i]++;
        return;
      }
      if (decision.kind) return; // one outcome fault per call; first rule wins
      this.injected[i]++;
      decision.kind = rule.kind;
      if (rule.kind === 'status') decision.status = rule.status;
      if (rule.kind === 'slow') decision.slowMs = rule.ms;
      labels.push(
        rule.kind === 'status'
          ? String(rule.status)
          : rule.kind === 'slow'
            ? `slow=${rule.ms}`
            : rule.kind,
      );
    });
    if (labels.length) decision.label = labels.join(',');
    return decision;
  }
}
