/** The one-method interface every semantic rule implements (one small validator per concern). */
import type { ParsedSettings } from '../document';
import type { ConfigDiagnostic, SettingsPath } from '../types';

export interface RuleOptions {
  knownSecretNames?: ReadonlySet<string>;
  carrierNames?: readonly string[];
  /** Shipping methods of the sales in the last preview run (enables the unused-method notice). */
  recentShippingMethods?: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

export interface RuleContext {
  parsed: ParsedSettings;
  /** The document as plain data (may be partly invalid: rules check types themselves). */
  data: unknown;
  options: RuleOptions;
}

export interface SettingsRule {
  /** Diagnostic codes this rule can produce (documented in the settings reference). */
  readonly codes: readonly string[];
  check(ctx: RuleContext): ConfigDiagnostic[];
}

export function get(data: unknown, path: SettingsPath): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

export function str(data: unknown, path: SettingsPath): string | undefined {
  const value = get(data, path);
  return typeof value === 'string' ? value : undefined;
}
