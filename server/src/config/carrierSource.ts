/**
 * Where the language server gets Cin7 Core carrier names (`ref/carrier`) from. Kept out of the
 * analysis modules (they only ever receive `carrierNames`). The call itself is the engine's
 * (engine/carrierNames.ts: its HTTP client, Cin7 rate limiter and endpoint rule), loaded with the
 * first lookup so an editing session that never needs it does not load the HTTP stack.
 */

export interface CarrierSource {
  fetchCarrierNames(baseUrl: string, accountId: string, apiKey: string): Promise<string[]>;
}

export class Cin7CarrierSource implements CarrierSource {
  constructor(private readonly timeoutMs = 5000) {}

  async fetchCarrierNames(baseUrl: string, accountId: string, apiKey: string): Promise<string[]> {
    const { fetchCarrierNames } = await import('../engine/carrierNames.js');
    return fetchCarrierNames({ baseUrl, accountId, apiKey, timeoutMs: this.timeoutMs });
  }
}
