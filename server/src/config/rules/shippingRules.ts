/**
 * `import.customs` and `import.shippingRules`: customs data needs a sender country; a shipping
 * method has one rule; courier codes are Starshipit's; a method no recent sale used (known from the
 * last preview run, never from a call while typing) probably has a typo.
 */
import { countryName } from '../../engine/mapping';
import { valueRange, keyRange } from '../document';
import { KNOWN_COURIERS } from '../schema';
import { didYouMean } from '../text';
import { replaceFix, asYamlScalar } from '../fixes';
import { ERROR, INFORMATION, WARNING, type ConfigDiagnostic, type SettingsPath } from '../types';
import { get, type RuleContext, type SettingsRule } from './types';

export const customsSenderRule: SettingsRule = {
  codes: ['customs-needs-sender-country', 'unknown-sender-country'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const customs = get(ctx.data, ['import', 'customs']);
    if (!customs || typeof customs !== 'object') return [];
    const { enabled, senderCountry } = customs as Record<string, unknown>;
    if (enabled === true && (typeof senderCountry !== 'string' || !senderCountry.trim()))
      return [
        {
          range: keyRange(ctx.parsed, ['import', 'customs', 'enabled']),
          severity: ERROR,
          code: 'customs-needs-sender-country',
          message:
            'import.customs.enabled needs import.customs.senderCountry (e.g. AU): a sale is international when its shipping country differs from it.',
        },
      ];
    if (typeof senderCountry === 'string' && /^[A-Za-z]{2}$/.test(senderCountry.trim())) {
      if (countryName(senderCountry.trim()) === senderCountry.trim())
        return [
          {
            range: valueRange(ctx.parsed, ['import', 'customs', 'senderCountry']),
            severity: WARNING,
            code: 'unknown-sender-country',
            message: `"${senderCountry}" is not a known 2-letter country code (ISO 3166-1), so no sale's country can equal it.`,
          },
        ];
    }
    return [];
  },
};

interface RuleEntry {
  index: number;
  method?: string;
  courier?: string;
}

function ruleEntries(data: unknown): RuleEntry[] {
  const list = get(data, ['import', 'shippingRules']);
  if (!Array.isArray(list)) return [];
  return list.map((rule, index) => {
    const fields = rule && typeof rule === 'object' ? (rule as Record<string, unknown>) : {};
    return {
      index,
      method: typeof fields.method === 'string' ? fields.method : undefined,
      courier: typeof fields.courier === 'string' ? fields.courier : undefined,
    };
  });
}

/** A shipping method as the engine compares it: outer spaces and case ignored. */
const methodKey = (method: string): string => method.trim().toLowerCase();

function unknownCourier(ctx: RuleContext, path: SettingsPath, courier: string): ConfigDiagnostic {
  const codes = KNOWN_COURIERS.map(([c]) => c);
  const range = valueRange(ctx.parsed, path);
  const suggestions = didYouMean(courier, codes);
  return {
    range,
    severity: WARNING,
    code: 'unknown-courier',
    message: `"${courier}" is not a known Starshipit courier code.${suggestions.length ? ` Did you mean ${suggestions[0]}?` : ''} Starshipit expects the carrier code (e.g. AusPost, StarTrack).`,
    ...(suggestions.length
      ? {
          data: {
            fixes: suggestions.map((s, i) => replaceFix(`Change to ${s}`, range, s, i === 0)),
          },
        }
      : {}),
  };
}

function unusedMethod(
  ctx: RuleContext,
  path: SettingsPath,
  method: string,
  recent: readonly string[],
): ConfigDiagnostic | undefined {
  if (recent.some((m) => methodKey(m) === methodKey(method))) return undefined;
  const range = valueRange(ctx.parsed, path);
  const suggestions = didYouMean(method, [...recent]);
  return {
    range,
    severity: INFORMATION,
    code: 'unused-shipping-method',
    message: `No sale in the last preview used the shipping method "${method}"${recent.length ? ` (seen: ${recent.slice(0, 8).join(', ')}${recent.length > 8 ? ', …' : ''})` : ''}; check its spelling against Cin7 Core.`,
    ...(suggestions.length
      ? {
          data: {
            fixes: suggestions.map((s, i) =>
              replaceFix(`Change to "${s}"`, range, asYamlScalar(s), i === 0),
            ),
          },
        }
      : {}),
  };
}

export const shippingRulesRule: SettingsRule = {
  codes: ['duplicate-shipping-rule', 'unknown-courier', 'unused-shipping-method'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const out: ConfigDiagnostic[] = [];
    const base: SettingsPath = ['import', 'shippingRules'];
    const first = new Map<string, number>();
    const codes = KNOWN_COURIERS.map(([c]) => c);
    const recent = ctx.options.recentShippingMethods;
    for (const entry of ruleEntries(ctx.data)) {
      if (entry.method !== undefined && entry.method.trim()) {
        const key = methodKey(entry.method);
        const earlier = first.get(key);
        if (earlier !== undefined)
          out.push({
            range: valueRange(ctx.parsed, [...base, entry.index, 'method']),
            severity: ERROR,
            code: 'duplicate-shipping-rule',
            message: `Shipping method "${entry.method}" already has a rule (rule #${earlier + 1}); only one rule can apply to a sale.`,
          });
        else first.set(key, entry.index);
        if (recent) {
          const diagnostic = unusedMethod(
            ctx,
            [...base, entry.index, 'method'],
            entry.method,
            recent,
          );
          if (diagnostic) out.push(diagnostic);
        }
      }
      if (entry.courier && !codes.includes(entry.courier))
        out.push(unknownCourier(ctx, [...base, entry.index, 'courier'], entry.courier));
    }
    return out;
  },
};
