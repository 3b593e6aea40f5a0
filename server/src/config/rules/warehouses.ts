/**
 * `warehouses`: every route names a known account, a location has one route, an account name is
 * used once, and a route to a location the `locations` filter leaves out never applies.
 */
import { DEFAULT_ACCOUNT } from '../../../../protocol/settings';
import { valueRange } from '../document';
import { didYouMean } from '../text';
import { locationKey } from '../../engine/warehouses';
import { replaceFix } from '../fixes';
import { ERROR, WARNING, type ConfigDiagnostic } from '../types';
import { get, type RuleContext, type SettingsRule } from './types';

const objects = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? value.map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {}))
    : [];

function accountNames(ctx: RuleContext, out: ConfigDiagnostic[]): string[] {
  const names: string[] = [DEFAULT_ACCOUNT];
  objects(get(ctx.data, ['warehouses', 'accounts'])).forEach((account, i) => {
    if (typeof account.name !== 'string') return;
    if (names.includes(account.name))
      out.push({
        range: valueRange(ctx.parsed, ['warehouses', 'accounts', i, 'name']),
        severity: ERROR,
        code: 'duplicate-account',
        message: `Starshipit account "${account.name}" is defined twice${account.name === DEFAULT_ACCOUNT ? ' ("default" is the starshipit section)' : ''}.`,
      });
    else names.push(account.name);
  });
  return names;
}

export const warehousesRule: SettingsRule = {
  codes: ['duplicate-account', 'unknown-account', 'duplicate-route', 'route-not-imported'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const out: ConfigDiagnostic[] = [];
    const names = accountNames(ctx, out);
    const filter = get(ctx.data, ['warehouses', 'locations']);
    const selected = Array.isArray(filter)
      ? filter.filter((l): l is string => typeof l === 'string').map(locationKey)
      : [];
    const seen = new Set<string>();
    objects(get(ctx.data, ['warehouses', 'routes'])).forEach((route, i) => {
      if (typeof route.account === 'string' && !names.includes(route.account)) {
        const range = valueRange(ctx.parsed, ['warehouses', 'routes', i, 'account']);
        const suggestions = didYouMean(route.account, names);
        out.push({
          range,
          severity: ERROR,
          code: 'unknown-account',
          message: `No Starshipit account is named "${route.account}" (known: ${names.join(', ')}).`,
          ...(suggestions.length
            ? {
                data: {
                  fixes: [replaceFix(`Change to ${suggestions[0]}`, range, suggestions[0], true)],
                },
              }
            : {}),
        });
      }
      if (typeof route.location !== 'string') return;
      const key = locationKey(route.location);
      const range = valueRange(ctx.parsed, ['warehouses', 'routes', i, 'location']);
      if (seen.has(key))
        out.push({
          range,
          severity: ERROR,
          code: 'duplicate-route',
          message: `Location "${route.location}" has two routes; a sale can go to one account only.`,
        });
      seen.add(key);
      if (selected.length && !selected.includes(key))
        out.push({
          range,
          severity: WARNING,
          code: 'route-not-imported',
          message: `"${route.location}" is not in warehouses.locations, so no sale of it is imported and this route never applies.`,
        });
    });
    return out;
  },
};
