/**
 * Server-layer network access for carrier names: Cin7 Core `GET {baseUrl}ref/carrier`. Kept out of
 * the analysis modules (they only ever receive `carrierNames`). Only endpoints the engine's rule
 * allows (https, or http to loopback).
 */
import { isAllowedEndpoint } from '../engine/endpoint';

export interface CarrierSource {
  fetchCarrierNames(baseUrl: string, accountId: string, apiKey: string): Promise<string[]>;
}

export class Cin7CarrierSource implements CarrierSource {
  constructor(private readonly timeoutMs = 5000) {}

  async fetchCarrierNames(baseUrl: string, accountId: string, apiKey: string): Promise<string[]> {
    if (!isAllowedEndpoint(baseUrl))
      throw new Error(
        `refusing to send credentials to ${new URL(baseUrl).origin} (not https, not loopback)`,
      );
    const url = new URL(
      'ref/carrier?Page=1&Limit=1000',
      baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    );
    // undici is loaded with the first fetch: most editing sessions never need it.
    const { request } = await import('undici');
    const res = await request(url, {
      method: 'GET',
      headers: {
        'api-auth-accountid': accountId,
        'api-auth-applicationkey': apiKey,
        'content-type': 'application/json',
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = await res.body.text();
    if (res.statusCode !== 200)
      throw new Error(`GET ${url.pathname} answered HTTP ${res.statusCode}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new Error(`GET ${url.pathname} did not return JSON`);
    }
    const list = (parsed as { CarrierList?: unknown }).CarrierList;
    if (!Array.isArray(list))
      throw new Error(`GET ${url.pathname}: no CarrierList in the response`);
    return list
      .map((c) => (c as { Description?: unknown }).Description)
      .filter((d): d is string => typeof d === 'string' && d.length > 0);
  }
}
