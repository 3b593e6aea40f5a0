/** Real-HTTP helpers for the sandbox suites (global fetch = undici over loopback sockets). */
import type { Sandbox } from '../../sandbox/src/api';

/**
 * A time scale at which the sandbox's Cin7 Core limiter cannot bind (its 60-call window lasts 60 µs),
 * for the suites about the Cin7 Core surface rather than its limits. Their call rate is only as slow
 * as this machine: at a time scale of 1000 the window is 60 ms, and a process warmed up by earlier
 * suites makes 60 sequential calls in less than that on an idle machine, and a page-walking test
 * would be answered 429 (ratelimit.test.ts covers the limiter at time scales that make it bind).
 */
export const UNTHROTTLED_TIME_SCALE = 1_000_000;

export interface Res<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

async function call<T>(url: string, init: RequestInit): Promise<Res<T>> {
  const r = await fetch(url, init);
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json: json as T };
}

export function dearHeaders(sb: Sandbox, key = sb.credentials.dearApiKey): Record<string, string> {
  return {
    'api-auth-accountid': sb.credentials.dearAccountId,
    'api-auth-applicationkey': key,
    'content-type': 'application/json',
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read the sandbox's JSON loosely
export function dear<T = any>(
  sb: Sandbox,
  path: string,
  opts: { method?: string; body?: unknown; key?: string; headers?: Record<string, string> } = {},
): Promise<Res<T>> {
  return call<T>(sb.dearBaseUrl + path, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: opts.headers ?? dearHeaders(sb, opts.key),
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
}

export function ssHeaders(
  sb: Sandbox,
  sub = sb.credentials.starshipitSubscriptionKey,
): Record<string, string> {
  return {
    'StarShipIT-Api-Key': sb.credentials.starshipitApiKey,
    'Ocp-Apim-Subscription-Key': sub,
    'content-type': 'application/json',
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read the sandbox's JSON loosely
export function ss<T = any>(
  sb: Sandbox,
  path: string,
  opts: {
    method?: string;
    body?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Res<T>> {
  return call<T>(sb.starshipitBaseUrl + path, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: opts.headers ?? ssHeaders(sb, sb.credentials.starshipitSubscriptionKeyProduction),
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read the sandbox's JSON loosely
export function control<T = any>(
  sb: Sandbox,
  path: string,
  body?: unknown,
  method?: string,
): Promise<Res<T>> {
  return call<T>(sb.controlUrl + path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export function validOrder(
  orderNumber: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    order_number: orderNumber,
    reference: 'Sandbox test',
    destination: {
      name: 'Zoë Müller',
      street: '20 George Street',
      suburb: 'Sydney',
      state: 'NSW',
      post_code: '2000',
      country: 'Australia',
    },
    items: [{ description: 'Mug', sku: 'MUG-CER-01', quantity: 2, weight: 0.42, value: 18 }],
    ...extra,
  };
}

/** Wait until `fn` resolves truthy, polling on real responses (no fixed sleeps in assertions). */
export async function until<T>(
  fn: () => Promise<T | undefined | false>,
  what: string,
  tries = 2000,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
